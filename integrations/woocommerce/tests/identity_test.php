<?php
/**
 * The plugin's pure functions, with PHP alone (run by tests/integrations/test_woocommerce_plugin.py):
 * prints one JSON document of their results for the Python side to check against the helpdesk.
 */

require __DIR__ . '/../helpdesk-widget/includes/identity.php';

final class FakeProduct
{
    public function __construct(private int $id, private string $sku, private string $name, private string $price) {}
    public function get_id(): int { return $this->id; }
    public function get_sku(): string { return $this->sku; }
    public function get_name(): string { return $this->name; }
    public function get_price(): string { return $this->price; }
}

$secret = $argv[1];
$lines = [
    ['data' => new FakeProduct(11, 'TEA-1', 'Sencha', '12.5'), 'quantity' => 2, 'line_total' => 25.0],
    ['data' => new FakeProduct(12, '', 'Mug </script><script>alert(1)</script>', '8'), 'quantity' => 1],
];
echo json_encode([
    'identity' => helpdesk_widget_identity('42', $secret, 'mia@example.com', 'Mia'),
    'cart' => helpdesk_widget_cart($lines, 'eur'),
    'script' => helpdesk_widget_queue_script([['track', 'cart_updated', helpdesk_widget_cart($lines, 'eur')]], true),
]);
