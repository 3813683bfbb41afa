"""gunicorn settings for `make run`: the helpdesk's own (gunicorn.conf.py), plus the demo shop's port.

Run from the repository root: `gunicorn -c demo_shop/gunicorn.conf.py`.
"""

import os
import runpy
from pathlib import Path

_base = runpy.run_path(str(Path(__file__).resolve().parents[1] / "gunicorn.conf.py"))
globals().update({name: value for name, value in _base.items() if not name.startswith("_")})

bind = [_base["bind"], f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('DEMO_SHOP_PORT', '5001')}"]
wsgi_app = "demo_shop.serve:app"
