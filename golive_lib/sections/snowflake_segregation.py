"""`security.data-segregation`: can one tenant read another tenant's rows? Judged as
Snowflake's docs describe row access policies ("Understanding row access policies",
"Use row access policies": mapping tables, views over protected tables) and secure views
("Working with secure views": one secure view per tenant), on the ACCOUNT_USAGE views.

Every table or view with a tenant column (COLUMNS, any of ``tenant_column`` /
``tenant_columns``, DELETED NULL) is segregated when:

1. an ACTIVE row access policy (POLICY_REFERENCES, POLICY_KIND ``ROW_ACCESS_POLICY``)
   takes a tenant column (REF_ARG_COLUMN_NAMES) and its body (ROW_ACCESS_POLICIES.
   POLICY_BODY) tells rows apart: a body without any identifier (``TRUE``, ``1 = 1``), one
   that never reads its argument (POLICY_SIGNATURE's names), or an always-true shape
   (``... OR TRUE``, a CASE whose every branch is TRUE, ``arg = arg``), or one that calls no
   function and runs no subquery (``account_id IS NOT NULL``, ``account_id = 'acme'``: no
   session context, so every role sees the same rows) is not segregation. Other
   tautologies are not detected; a function golive cannot see into (a UDF) is trusted. A
   policy whose body is not (yet) in ROW_ACCESS_POLICIES (the view lags up to two hours)
   makes the check an error;
2. it is a mapping table an active policy's body reads (FROM/JOIN in POLICY_BODY);
3. it is a view (VIEWS) whose FROM/JOIN tables are all segregated by (1): Snowflake applies
   a table's policy to queries through views. Note: a body using INVOKER_ROLE() sees the
   view owner there, which golive does not judge;
4. with ``tenant_roles`` (globs of the roles that each serve one tenant): at most one tenant
   role can read it: SELECT or OWNERSHIP granted (GRANTS_TO_ROLES, GRANTED_ON TABLE, VIEW,
   ...) to a role that tenant role holds, through the whole role graph; a grant to PUBLIC
   reaches every role. This is how per-tenant schemas, per-tenant databases and secure
   views per tenant are recognised: by who can read what, never by name. A view one
   tenant role reads over a table holding other tenants' rows must also filter on a tenant
   column in its WHERE (VIEWS.VIEW_DEFINITION) and be SECURE (VIEWS.IS_SECURE). Rows are not
   read: an object read by one tenant role is taken to hold that tenant's rows only.
   USAGE on the database and schema is not required by this rule, which may count a
   reader who cannot reach the object; future grants are not in the views. Whether the
   schema is managed-access (SCHEMATA.IS_MANAGED_ACCESS) is shown beside such a verdict,
   not judged.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import catalog
from ..model import Check, Evidence, Status
from ..params import WarehouseSecurity
from ..sources import warehouse as wh
from ..sources.warehouse import policies as whp
from .snowflake_facts import WarehouseFacts
from .snowflake_roles import _ROLE_KINDS, RoleGraph, _role
from .snowflake_sql import body_problem, filters_on, referenced_tables, refers_to

CHECK_ID = "security.data-segregation"
READ_PRIVILEGES = frozenset({"SELECT", "OWNERSHIP"})


@dataclass
class _Verdicts:
    ok: dict[str, str] = field(default_factory=dict)  # fqn -> how
    missing: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    bad_body: list[str] = field(default_factory=list)
    across: list[str] = field(default_factory=list)
    views: list[str] = field(default_factory=list)  # per-tenant views that do not segregate
    unknown: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)

    def accept(self, fqn: str, kind: str, how: str, label: str, value: str) -> None:
        self.ok[fqn] = how
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self.evidence.append(Evidence(label=label, value=value))


def _readers(facts: WarehouseFacts, graph: RoleGraph) -> dict[str, set[str]]:
    """Object fqn (upper) -> every role that can read it; "PUBLIC" in it: every role."""
    out: dict[str, set[str]] = {}
    for g in facts.role_grants or ():
        if g.privilege not in READ_PRIVILEGES or g.granted_to not in _ROLE_KINDS:
            continue
        if not (g.catalog and g.schema):
            continue
        fqn = f"{g.catalog}.{g.schema}.{g.name}".upper()
        holder = _role(g.granted_to, g.grantee, g.catalog)
        out.setdefault(fqn, set()).update(graph.holders_of(holder))
    return out


def _all_roles(facts: WarehouseFacts, graph: RoleGraph) -> set[str]:
    roles = set(graph.parents) | {p for ps in graph.parents.values() for p in ps}
    roles |= {r.role.upper() for r in facts.user_roles or ()}
    roles |= {
        g.grantee.upper()
        for g in facts.role_grants or ()
        if g.granted_to in _ROLE_KINDS - {"DATABASE_ROLE"}
    }
    return roles


def judge(facts: WarehouseFacts, cfg: WarehouseSecurity) -> Check:
    columns = cfg.all_tenant_columns
    shown_columns = "/".join(columns)
    tables = facts.tenant_tables or ()
    if not tables:
        return catalog.make(
            CHECK_ID,
            Status.WARN,
            f"no table has the tenant column {shown_columns} in {facts.name}: "
            "are security.warehouse.tenant_column(s) right?",
            [
                Evidence(
                    label="query", value=" ".join(wh.Q_TENANT_COLUMNS.format(column=c).split())
                )
                for c in columns
            ],
        )
    policies: dict[str, list[wh.RowPolicy]] = {}
    for p in facts.row_policies or ():
        if p.status.upper() == "ACTIVE":
            policies.setdefault(p.table.fqn.upper(), []).append(p)
    bodies = {b.policy.upper(): b for b in facts.policy_bodies or ()}
    attached = {p.policy.upper() for ps in policies.values() for p in ps}
    v = _Verdicts()
    protected: set[str] = set()
    rest: list[wh.TableRef] = []
    for t in tables:
        found = policies.get(t.fqn.upper(), [])
        if not found:
            rest.append(t)
        elif _by_policy(facts, t, found, bodies, columns, v):
            protected.add(t.fqn.upper())
    if "views" in facts.errors:  # views then count as tables: none passes as a view
        v.evidence.append(Evidence(label="views unreadable", value=facts.errors["views"]))
    _second_pass(facts, cfg, rest, protected, {bodies[p] for p in attached if p in bodies}, v)
    return _result(facts, tables, shown_columns, v)


def _by_policy(
    facts: WarehouseFacts,
    t: wh.TableRef,
    found: list[wh.RowPolicy],
    bodies: dict[str, whp.PolicyBody],
    columns: tuple[str, ...],
    v: _Verdicts,
) -> bool:
    """Rule 1 on a table with active row access policies: True when one segregates it."""
    shown_columns = "/".join(columns)
    on_column = [p for p in found if {a.upper() for a in p.arg_columns} & set(columns)]
    if not on_column:
        args = "; ".join(f"{p.policy}({', '.join(p.arg_columns)})" for p in found)
        v.wrong.append(f"{t.fqn}: {args}")
        v.evidence.append(
            Evidence(label=f"policy not on {shown_columns}", value=f"{t.fqn}: {args}")
        )
        return False
    p = on_column[0]
    shown = f"{t.fqn}: {p.policy}({', '.join(p.arg_columns)})"
    body = bodies.get(p.policy.upper())
    if body is None:
        v.unknown.append(f"{t.fqn} ({p.policy})")
        v.evidence.append(
            Evidence(
                label="policy body not in ROW_ACCESS_POLICIES", value=shown, location=facts.name
            )
        )
        return False
    if (problem := body_problem(body)) is not None:
        v.bad_body.append(f"{t.fqn}: {p.policy}: {problem}")
        v.evidence.append(
            Evidence(label="policy that does not segregate", value=f"{shown}: {problem}")
        )
        return False
    v.accept(
        t.fqn,
        "row access policy",
        f"row access policy {p.policy}",
        "row access policy",
        f"{shown}: {body.body.strip()}",
    )
    return True


@dataclass(frozen=True)
class _Tenancy:
    """Who reads what (rule 4): the readers of each object and the tenant roles."""

    readers: dict[str, set[str]]
    roles: list[str]

    @property
    def by_grants(self) -> bool:
        return len(self.roles) >= 2

    def reading(self, fqn: str) -> list[str]:
        who = self.readers.get(fqn.upper(), set())
        return self.roles if "PUBLIC" in who else [r for r in self.roles if r in who]


def _tenancy(facts: WarehouseFacts, cfg: WarehouseSecurity, v: _Verdicts) -> _Tenancy:
    graph = RoleGraph.build(facts)
    readers = _readers(facts, graph) if cfg.tenant_roles else {}
    tenant_roles = sorted(
        r
        for r in _all_roles(facts, graph)
        if any(fnmatch.fnmatchcase(r, g.upper()) for g in cfg.tenant_roles)
    )
    tenancy = _Tenancy(readers, tenant_roles)
    if cfg.tenant_roles and not tenancy.by_grants:  # a glob matching nothing would pass all
        v.evidence.append(
            Evidence(
                label="tenant_roles not used",
                value=f"{', '.join(cfg.tenant_roles)} match {len(tenant_roles)} role(s) "
                f"({', '.join(tenant_roles) or 'none'}): at least two tenants' roles are needed "
                "to judge who reads what",
            )
        )
    return tenancy


def _managed(facts: WarehouseFacts, t: wh.TableRef) -> str:
    if facts.managed_schemas is None:
        return ""
    if f"{t.catalog}.{t.schema}".upper() in facts.managed_schemas:
        return " (managed-access schema: only its owner grants access)"
    return " (not a managed-access schema: the object's owner may grant it to other roles)"


def _second_pass(
    facts: WarehouseFacts,
    cfg: WarehouseSecurity,
    rest: list[wh.TableRef],
    protected: set[str],
    bodies: set[whp.PolicyBody],
    v: _Verdicts,
) -> None:
    """Rules 2 to 4 on the tables no policy of their own protects."""
    views = {w.view.fqn.upper(): w for w in facts.views or ()}
    tenancy = _tenancy(facts, cfg, v)
    for t in rest:
        view = views.get(t.fqn.upper())
        if _mapping_table(t, bodies, v) or _view_over_protected(t, view, protected, v):
            continue
        if tenancy.by_grants:
            _by_grants(facts, cfg, t, view, rest, tenancy, v)
            continue
        in_schema = any(
            fnmatch.fnmatchcase(f"{t.catalog}.{t.schema}".upper(), g.upper())
            for g in cfg.tenant_schemas
        )
        v.missing.append(t.fqn)
        note = (
            " (a tenant schema by name only: set tenant_roles to judge who reads it)"
            if in_schema
            else ""
        )
        v.evidence.append(
            Evidence(label="NO row access policy", value=t.fqn + note, location=facts.name)
        )


def _mapping_table(t: wh.TableRef, bodies: set[whp.PolicyBody], v: _Verdicts) -> bool:
    """Rule 2: an active policy's body reads the table."""
    mapping = [b.policy for b in bodies if any(refers_to(r, t) for r in referenced_tables(b.body))]
    if not mapping:
        return False
    names = ", ".join(sorted(mapping))
    v.accept(
        t.fqn,
        "mapping table",
        f"mapping table of {names}",
        "mapping table",
        f"{t.fqn}: read by the body of {names}",
    )
    return True


def _view_over_protected(
    t: wh.TableRef, view: whp.View | None, protected: set[str], v: _Verdicts
) -> bool:
    """Rule 3: a view whose every FROM/JOIN table a policy protects."""
    if view is None:
        return False
    refs = referenced_tables(view.definition)
    base = [r for r in refs if any(refers_to(r, b) for b in _tables(protected))]
    if not (refs and len(base) == len(refs)):
        return False
    names = ", ".join(".".join(r) for r in refs)
    how = f"{'secure ' if view.secure else ''}view over protected {names}"
    v.accept(
        t.fqn, "view over protected tables", how, "view over protected tables", f"{t.fqn}: {how}"
    )
    return True


def _by_grants(
    facts: WarehouseFacts,
    cfg: WarehouseSecurity,
    t: wh.TableRef,
    view: whp.View | None,
    rest: list[wh.TableRef],
    tenancy: _Tenancy,
    v: _Verdicts,
) -> None:
    """Rule 4: at most one tenant role reads it (and a per-tenant view filters)."""
    tenants = tenancy.reading(t.fqn)
    who = tenancy.readers.get(t.fqn.upper(), set())
    problem = (
        _per_tenant_view_problem(view, tenants[0], cfg, rest, tenancy.reading)
        if view is not None and len(tenants) == 1
        else None
    )
    if problem is not None:
        v.views.append(f"{t.fqn}: {problem}")
        v.evidence.append(Evidence(label="per-tenant view", value=f"{t.fqn}: {problem}"))
    elif len(tenants) <= 1:
        how = f"read only by tenant role {tenants[0]}" if tenants else "read by no tenant role"
        v.accept(
            t.fqn, "grants", how, "segregated by grants", f"{t.fqn}: {how}{_managed(facts, t)}"
        )
    else:
        via = " (granted to PUBLIC)" if "PUBLIC" in who else ""
        v.across.append(f"{t.fqn} ({', '.join(tenants)}{via})")
        v.evidence.append(
            Evidence(label="readable across tenants", value=f"{t.fqn}: {', '.join(tenants)}{via}")
        )


def _per_tenant_view_problem(
    view: whp.View,
    tenant: str,
    cfg: WarehouseSecurity,
    rest: list[wh.TableRef],
    tenants_reading: Callable[[str], list[str]],
) -> str | None:
    """A view only ``tenant`` reads, over a table holding other tenants' rows too, must
    filter on the tenant column and be SECURE (docs: "Working with secure views")."""
    shared = [
        b.fqn
        for b in rest
        if b.fqn.upper() != view.view.fqn.upper()
        and any(refers_to(r, b) for r in referenced_tables(view.definition))
        and tenants_reading(b.fqn) != [tenant]
    ]
    if not shared:
        return None
    if not filters_on(view.definition, cfg.all_tenant_columns):
        return (
            f"read only by {tenant} but does not filter {', '.join(shared)} on "
            f"{'/'.join(cfg.all_tenant_columns)}: it shows every tenant's rows"
        )
    if not view.secure:
        return (
            f"filters {', '.join(shared)} for {tenant} but is not a SECURE view: the rows it "
            "filters out can leak"
        )
    return None


def _tables(fqns: set[str]) -> list[wh.TableRef]:
    return [wh.TableRef(*f.split(".", 2)) for f in fqns if f.count(".") == 2]


def _result(
    facts: WarehouseFacts, tables: tuple[wh.TableRef, ...], columns: str, v: _Verdicts
) -> Check:
    data: dict[str, Any] = {
        "tables": [t.fqn for t in tables],
        "missing": v.missing,
        "policy_not_on_tenant_column": v.wrong,
        "policy_does_not_segregate": v.bad_body,
        "readable_across_tenants": v.across,
        "per_tenant_views": v.views,
        "body_unknown": v.unknown,
        "segregated": v.ok,
    }
    parts = []
    if v.missing:
        parts.append(
            f"{len(v.missing)} of {len(tables)} table(s)/view(s) with {columns} have no row "
            f"access policy: {', '.join(v.missing)}"
        )
    if v.wrong:
        parts.append(
            f"{len(v.wrong)} with a policy that does not take {columns}: {'; '.join(v.wrong)}"
        )
    if v.bad_body:
        parts.append(
            f"{len(v.bad_body)} with a policy that does not segregate: {'; '.join(v.bad_body)}"
        )
    if v.views:
        parts.append(
            f"{len(v.views)} per-tenant view(s) that do not segregate: {'; '.join(v.views)}"
        )
    if v.across:
        parts.append(f"{len(v.across)} readable by several tenant roles: {'; '.join(v.across)}")
    if parts:
        return catalog.make(
            CHECK_ID,
            Status.FAIL,
            "; ".join(parts),
            v.evidence,
            "`ALTER TABLE <t> ADD ROW ACCESS POLICY <db>.<schema>.tenant_isolation "
            f"ON ({columns.split('/')[0].lower()})` with a body that compares the tenant column "
            "with the session's tenant (a mapping table or CURRENT_ROLE()), or give each tenant "
            "its own schema, database or secure view read by that tenant's role only (list the "
            "roles in security.warehouse.tenant_roles).",
            **data,
        )
    if v.unknown:
        return catalog.error(
            CHECK_ID,
            f"the body of the row access policy on {', '.join(v.unknown)} is not in "
            "ACCOUNT_USAGE.ROW_ACCESS_POLICIES (it lags up to two hours): cannot tell whether "
            "it segregates",
        )
    return catalog.make(
        CHECK_ID,
        Status.PASS,
        f"all {len(tables)} table(s)/view(s) with {columns} are segregated ("
        + ", ".join(f"{n} by {k}" for k, n in sorted(v.kinds.items()))
        + ")",
        v.evidence,
        **data,
    )
