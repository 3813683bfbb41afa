<?php
/**
 * What the plugin tells the widget, as plain functions (no WordPress calls), so that they can be
 * tested with PHP alone: the signed identity, the cart in the helpdesk's words, the queue script.
 */

/**
 * The widget's identify call for a signed-in customer: the WordPress user id (WooCommerce's
 * customer id, the id its webhooks name) and its user_hash, HMAC-SHA256 of the id with the
 * helpdesk's identity secret, computed here so the secret never reaches the browser.
 */
function helpdesk_widget_identity(string $customer_id, string $secret, string $email = '', string $name = ''): array
{
    $identity = ['customer_id' => $customer_id, 'user_hash' => hash_hmac('sha256', $customer_id, $secret)];
    if ($email !== '') {
        $identity['email'] = $email;
    }
    if ($name !== '') {
        $identity['name'] = $name;
    }
    return $identity;
}

/**
 * The live cart as a cart_updated event's properties: items (sku, name, quantity, unit_price as
 * a two-place string), the currency and the total. A line without a SKU is named by its product.
 * $lines are WooCommerce's cart items: arrays with 'data' (a product: get_sku, get_name, get_price,
 * get_id), 'quantity' and 'line_total'.
 */
function helpdesk_widget_cart(array $lines, string $currency): array
{
    $items = [];
    $total = 0.0;
    foreach ($lines as $line) {
        $product = $line['data'];
        $quantity = (int) $line['quantity'];
        $price = (float) $product->get_price();
        $sku = (string) $product->get_sku();
        $items[] = [
            'sku' => $sku !== '' ? $sku : 'product-' . $product->get_id(),
            'name' => helpdesk_widget_clip((string) $product->get_name(), 255),
            'quantity' => $quantity,
            'unit_price' => number_format($price, 2, '.', ''),
        ];
        $total += isset($line['line_total']) ? (float) $line['line_total'] : $price * $quantity;
    }
    return ['items' => $items, 'currency' => strtoupper($currency), 'total' => number_format($total, 2, '.', '')];
}

/**
 * The calls pushed onto the widget's queue (after a reset, when the customer has just signed
 * out), as a script that holds them as JSON data. The flags
 * escape <, >, & and quotes, so nothing in a name or email can end the script or open markup.
 */
function helpdesk_widget_queue_script(array $calls, bool $reset = false): string
{
    $flags = JSON_HEX_TAG | JSON_HEX_AMP | JSON_HEX_APOS | JSON_HEX_QUOT | JSON_UNESCAPED_SLASHES;
    $script = '';
    foreach ($calls as $call) {
        $script .= 'Helpdesk.q.push(' . json_encode($call, $flags) . ');';
    }
    // After a sign-out the widget starts a new anonymous visitor before anything else is sent.
    return ($reset ? 'Helpdesk.q.push(["reset"]);' : '') . $script;
}

/** At most $length characters (WordPress polyfills mb_substr; plain PHP may lack mbstring). */
function helpdesk_widget_clip(string $text, int $length): string
{
    if (function_exists('mb_substr')) {
        return mb_substr($text, 0, $length);
    }
    return preg_match('/^.{0,' . $length . '}/us', $text, $match) ? $match[0] : substr($text, 0, $length);
}
