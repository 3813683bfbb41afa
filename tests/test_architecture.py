"""The floor plan holds: no import cycle anywhere in the project (imports inside functions
included), every import points down the layers, and each domain imports only the domains below it
that its docstring names. docs/architecture.md draws the same picture."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from werkzeug.utils import import_string

from tests.support.import_graph import Import, cycles, external_imports, imports, module_files

ROOT = Path(__file__).resolve().parent.parent

# The domains, lowest first: each may import only domains before it.
DOMAINS = ("platform", "customers", "access", "knowledge", "feedback", "tickets", "conversations", "outreach",
           "shop_events", "stores", "reports")
# What every layer stands on; none of it imports a model, a service or a view.
FOUNDATION = ("app.extensions", "app.database", "app.text_input", "app.json_input", "app.logging_setup", "app.jobs",
              "knowledge_base")
MAX_TOP_LEVEL_SERVICES = 12


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def layer(module: str) -> str:
    """foundation < models < services < demo < delivery (everything else in app/)."""
    if any(_within(module, p) for p in FOUNDATION):
        return "foundation"
    for name in ("models", "services", "demo"):
        if _within(module, f"app.{name}"):
            return name
    return "delivery"


RANK = {"foundation": 0, "models": 1, "services": 2, "demo": 3, "delivery": 4}


def layer_violations(edges: list[Import]) -> list[str]:
    """Imports that point up the layers (or sideways into the demo data, which only the CLI uses)."""
    wrong = []
    for edge in edges:
        source, target = layer(edge.source), layer(edge.target)
        if RANK[target] > RANK[source]:
            wrong.append(f"{edge}: {source} must not import {target}")
        elif target == "demo" and source == "delivery" and edge.source != "app.cli":
            wrong.append(f"{edge}: only app.cli seeds the demo data")
        elif _within(edge.target, "knowledge_base") and not (
                _within(edge.source, "knowledge_base") or _within(edge.source, "app.services.knowledge")
                or _within(edge.source, "app.demo") or edge.source == "app.cli"):
            wrong.append(f"{edge}: only the knowledge domain, the demo data and the CLI use knowledge_base")
    return wrong


def domain_of(module: str) -> str | None:
    """The domain package a service module belongs to; None for app.services' own modules."""
    parts = module.split(".")
    if len(parts) < 3 or parts[:2] != ["app", "services"]:
        return None
    return parts[2] if parts[2] in DOMAINS else None


def declared_imports(root: Path, domain: str) -> set[str]:
    """The domains a package's docstring says it may import ("May import: platform, customers.")."""
    init = root / "app" / "services" / domain / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    match = re.search(r"May import: ([^\n]*)", doc)
    if match is None:
        raise AssertionError(f"{init}: the docstring must say what the domain may import (\"May import: …\")")
    return {word for word in re.findall(r"[a-z_]+", match.group(1)) if word in DOMAINS}


def domain_violations(root: Path, edges: list[Import]) -> list[str]:
    """Service imports against the domain order or beyond what a domain's docstring declares, and
    domain code reaching up into app.services' cross-domain use cases."""
    top_level = {name for name in module_files(root) if name.count(".") == 2 and name.startswith("app.services.")
                 and domain_of(name) is None and name != "app.services.errors"}
    wrong = []
    for domain in DOMAINS:
        below = set(DOMAINS[:DOMAINS.index(domain)])
        declared = declared_imports(root, domain)
        if declared - below:
            wrong.append(f"{domain} declares {sorted(declared - below)}, which are not below it")
    for edge in edges:
        source, target = domain_of(edge.source), domain_of(edge.target)
        if source and target and source != target and target not in declared_imports(root, source):
            wrong.append(f"{edge}: {source} may not import {target}")
        if edge.target in top_level and layer(edge.source) in ("services", "models", "foundation"):
            wrong.append(f"{edge}: cross-domain use cases are called by the delivery layer only")
    return wrong


@pytest.fixture(scope="module")
def edges() -> list[Import]:
    return imports(ROOT)


def test_no_import_cycle_anywhere(edges):
    assert cycles(edges) == []


def test_every_import_points_down_the_layers(edges):
    assert layer_violations(edges) == []


def test_each_domain_imports_only_the_domains_below_it_that_it_names(edges):
    assert domain_violations(ROOT, edges) == []


def test_the_services_folder_is_a_map_of_domains():
    services = ROOT / "app" / "services"
    top = sorted(p.name for p in services.iterdir() if p.suffix == ".py")
    packages = sorted(p.name for p in services.iterdir() if (p / "__init__.py").exists())
    assert len(top) <= MAX_TOP_LEVEL_SERVICES, top
    assert sorted(DOMAINS) == packages
    for domain in DOMAINS:
        assert ast.get_docstring(ast.parse((services / domain / "__init__.py").read_text())), domain


def test_the_knowledge_base_package_stays_free_of_flask_and_the_app():
    outside = {i.target.split(".")[0] for i in external_imports(ROOT, "knowledge_base")}
    assert not outside & {"flask", "flask_sqlalchemy", "werkzeug", "app"}


def test_every_job_the_runner_names_exists():
    """app/jobs names its work by string, so that it imports no service: each name must resolve."""
    from app.jobs import OUTREACH_TIMER, PERIODIC_JOBS

    for name in [job.func for job in PERIODIC_JOBS] + [OUTREACH_TIMER]:
        assert callable(import_string(name)), name


# --- the checks themselves catch what they are for ------------------------------------------------


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for package in ("app", "app/models", "app/services", "knowledge_base"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


def test_a_cycle_hidden_inside_a_function_is_found(tmp_path):
    root = _tree(tmp_path, {
        "app/services/platform/__init__.py": '"""May import: nothing."""\n',
        "app/services/platform/realtime.py": "from app.services.platform import presence\n",
        "app/services/platform/presence.py": "def f():\n    from app.services.platform.realtime import emit\n",
    })
    assert cycles(imports(root)) == [["app.services.platform.presence", "app.services.platform.realtime"]]


def test_an_import_up_the_layers_is_found(tmp_path):
    root = _tree(tmp_path, {
        "app/models/ticket.py": "def f():\n    from app.services.platform import audit\n",
        "app/services/platform/__init__.py": '"""May import: nothing."""\n',
        "app/services/platform/audit.py": "from app.console.views import bp\n",
        "app/console/__init__.py": "",
        "app/console/views.py": "",
    })
    assert sorted(layer_violations(imports(root))) == [
        "app.models.ticket imports app.services.platform.audit (line 2): models must not import services",
        "app.services.platform.audit imports app.console.views (line 1): services must not import delivery",
    ]


def test_a_domain_importing_one_above_it_or_one_it_does_not_name_is_found(tmp_path):
    docs = {f"app/services/{d}/__init__.py": f'"""May import: {", ".join(DOMAINS[:i])}."""\n'
            for i, d in enumerate(DOMAINS)}
    docs["app/services/outreach/__init__.py"] = '"""May import: platform, customers, tickets."""\n'
    root = _tree(tmp_path, docs | {
        "app/services/platform/realtime.py": "from app.services.tickets import intake\n",
        "app/services/tickets/intake.py": "",
        "app/services/outreach/engine.py": "from app.services.feedback import surveys\n",
        "app/services/feedback/surveys.py": "from app.services.survey_answers import answer_as_visitor\n",
        "app/services/survey_answers.py": "",
    })
    assert sorted(domain_violations(root, imports(root))) == [
        "app.services.feedback.surveys imports app.services.survey_answers (line 1): "
        "cross-domain use cases are called by the delivery layer only",
        "app.services.outreach.engine imports app.services.feedback.surveys (line 1): outreach may not import feedback",
        "app.services.platform.realtime imports app.services.tickets.intake (line 1): platform may not import tickets",
    ]
