<?php
/**
 * Plugin Name: Helpdesk widget for WooCommerce
 * Description: Adds the helpdesk's chat widget to every page, signed in as the WooCommerce customer (a user_hash computed here, on the server), and reports the live cart. Settings › Helpdesk takes the helpdesk's address and its identity secret.
 * Version: 1.0.0
 * Requires PHP: 7.4
 * License: MIT
 * Text Domain: helpdesk-widget
 */

if (!defined('ABSPATH')) {
    exit;
}

require_once __DIR__ . '/includes/identity.php';

const HELPDESK_WIDGET_OPTION_URL = 'helpdesk_widget_url';
const HELPDESK_WIDGET_OPTION_SECRET = 'helpdesk_widget_secret';

/** The helpdesk's address as saved (no trailing slash), or '' before the plugin is set up. */
function helpdesk_widget_url(): string
{
    return rtrim((string) get_option(HELPDESK_WIDGET_OPTION_URL, ''), '/');
}

/** The script tag, on every front-end page, once the address is set. */
function helpdesk_widget_enqueue(): void
{
    $url = helpdesk_widget_url();
    if ($url === '') {
        return;
    }
    wp_enqueue_script('helpdesk-widget', $url . '/widget.js', [], null, ['strategy' => 'async', 'in_footer' => true]);
    $calls = [];
    $reset = isset($_COOKIE['helpdesk_reset']);
    if ($reset) {  // once: the sign-out's cookie is spent on this page
        setcookie('helpdesk_reset', '', ['expires' => time() - 3600, 'path' => '/']);
    }
    $user = wp_get_current_user();
    $secret = (string) get_option(HELPDESK_WIDGET_OPTION_SECRET, '');
    if ($user && $user->ID && $secret !== '') {
        $calls[] = ['identify', helpdesk_widget_identity(
            (string) $user->ID, $secret, (string) $user->user_email, trim($user->first_name . ' ' . $user->last_name)
        )];
    }
    if (function_exists('WC') && WC()->cart) {
        $calls[] = ['track', 'cart_updated', helpdesk_widget_cart(WC()->cart->get_cart(), get_woocommerce_currency())];
    }
    // wp_json_encode escapes what would end the script (</script>, quotes): data, not markup.
    wp_add_inline_script(
        'helpdesk-widget',
        'window.Helpdesk=window.Helpdesk||{q:[]};' . helpdesk_widget_queue_script($calls, $reset),
        'before'
    );
}
add_action('wp_enqueue_scripts', 'helpdesk_widget_enqueue');

/** After sign-out the next page starts a new anonymous visitor (Helpdesk.reset()). */
function helpdesk_widget_logout(): void
{
    setcookie('helpdesk_reset', '1', ['expires' => time() + 300, 'path' => '/', 'samesite' => 'Lax']);
}
add_action('wp_logout', 'helpdesk_widget_logout');

/** Settings › Helpdesk: the address and the identity secret (kept in options, never sent to browsers). */
function helpdesk_widget_settings(): void
{
    register_setting('helpdesk_widget', HELPDESK_WIDGET_OPTION_URL, ['type' => 'string', 'sanitize_callback' => 'esc_url_raw']);
    register_setting('helpdesk_widget', HELPDESK_WIDGET_OPTION_SECRET, ['type' => 'string', 'sanitize_callback' => 'sanitize_text_field']);
}
add_action('admin_init', 'helpdesk_widget_settings');

function helpdesk_widget_menu(): void
{
    add_options_page('Helpdesk', 'Helpdesk', 'manage_options', 'helpdesk-widget', 'helpdesk_widget_page');
}
add_action('admin_menu', 'helpdesk_widget_menu');

function helpdesk_widget_page(): void
{
    if (!current_user_can('manage_options')) {
        return;
    }
    ?>
    <div class="wrap">
      <h1>Helpdesk</h1>
      <form method="post" action="options.php">
        <?php settings_fields('helpdesk_widget'); ?>
        <table class="form-table" role="presentation">
          <tr>
            <th scope="row"><label for="helpdesk-url">Helpdesk address</label></th>
            <td><input type="url" class="regular-text" id="helpdesk-url" name="<?php echo esc_attr(HELPDESK_WIDGET_OPTION_URL); ?>" value="<?php echo esc_attr(helpdesk_widget_url()); ?>" placeholder="https://help.example.com">
            <p class="description">Also add this site's address to the helpdesk's allowed origins (HELPDESK_ALLOWED_ORIGINS).</p></td>
          </tr>
          <tr>
            <th scope="row"><label for="helpdesk-secret">Identity secret</label></th>
            <td><input type="password" class="regular-text" id="helpdesk-secret" name="<?php echo esc_attr(HELPDESK_WIDGET_OPTION_SECRET); ?>" value="<?php echo esc_attr((string) get_option(HELPDESK_WIDGET_OPTION_SECRET, '')); ?>" autocomplete="off">
            <p class="description">The helpdesk's Settings › Widget › identity secret. It signs who the signed-in customer is; it never leaves this server.</p></td>
          </tr>
        </table>
        <?php submit_button(); ?>
      </form>
    </div>
    <?php
}
