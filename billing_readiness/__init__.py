from . import models, wizard


def post_init_hook(env):
    """Evaluate the confirmed orders that already exist (queued; the cron does the work)."""
    env.cr.execute("INSERT INTO billing_readiness_dirty (order_id) SELECT id FROM sale_order WHERE state = 'sale'")
