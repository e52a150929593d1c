"""`security.snowflake-rbac`: Snowflake's role model as its access-control docs describe it
(docs.snowflake.com: "Overview of Access Control", "Access control considerations",
"Configure Microsoft Entra ID for SCIM"), judged on the ACCOUNT_USAGE views.

The role graph: an edge child -> parent for each live grant (GRANTS_TO_ROLES, DELETED_ON
NULL) with PRIVILEGE ``USAGE``, GRANTED_ON ``ROLE`` or ``DATABASE_ROLE`` and GRANTED_TO
``ROLE`` or ``DATABASE_ROLE`` (``ACCOUNT ROLE``/``ACCOUNT_ROLE`` are read as ROLE, since
the current docs list that spelling). A parent holds every privilege of its children. A
user holds the roles GRANTS_TO_USERS gives it (DELETED_ON NULL) and everything below them;
disabled users (USERS.DISABLED) are left out; every active user holds PUBLIC. Database
roles are named ``DB.ROLE``: golive assumes GRANTED_ON ``DATABASE_ROLE`` rows carry the
role in NAME and its database in TABLE_CATALOG, and that GRANTED_TO ``DATABASE_ROLE``
grantees live in the grant's TABLE_CATALOG (a name already holding a dot is taken as
qualified). Neither layout could be checked against a real account.

The rules:

- no privilege granted straight to a user (GRANTED_TO ``USER``);
- no grant to PUBLIC outside ``public_grants_allowed``;
- ACCOUNTADMIN, SECURITYADMIN and USERADMIN are granted to no other role than the system
  hierarchy's (USERADMIN -> SECURITYADMIN -> ACCOUNTADMIN; SYSADMIN -> ACCOUNTADMIN): not
  to a custom role, nor to SYSADMIN or PUBLIC, unless ``sanctioned_roles`` lists the
  grantee with a reason;
- between ``min_accountadmins`` (default 2, as Snowflake advises) and
  ``max_accountadmins`` users effectively hold ACCOUNTADMIN, through any chain;
- no user's DEFAULT_ROLE holds ACCOUNTADMIN or SECURITYADMIN (CIS Snowflake Foundations);
- every custom account role rolls up to SYSADMIN, except user- and role-management roles
  (only CREATE USER, CREATE ROLE, MANAGE GRANTS on the account, plus USAGE/OWNERSHIP
  bookkeeping) under USERADMIN, SECURITYADMIN or ACCOUNTADMIN, as Snowflake's SCIM set-up
  does, and the sanctioned roles. Database roles reach users only through account roles:
  they are not held to this rule.

Future grants and managed-access schemas are not in these views and are not judged.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from .. import catalog
from ..model import Check, Evidence, Status
from ..params import WarehouseSecurity
from ..sources import warehouse as wh
from .snowflake_facts import WarehouseFacts

CHECK_ID = "security.snowflake-rbac"
SYSTEM_ROLES = frozenset(
    {"ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN", "SYSADMIN", "ORGADMIN", "PUBLIC"}
)
ADMIN_ROLES = ("ACCOUNTADMIN", "SECURITYADMIN", "USERADMIN")
SYSTEM_EDGES = frozenset(
    {
        ("USERADMIN", "SECURITYADMIN"),
        ("SECURITYADMIN", "ACCOUNTADMIN"),
        ("SYSADMIN", "ACCOUNTADMIN"),
    }
)
MANAGEMENT_PRIVILEGES = frozenset({"CREATE USER", "CREATE ROLE", "MANAGE GRANTS"})
_ROLE_KINDS = frozenset({"ROLE", "ACCOUNT ROLE", "ACCOUNT_ROLE", "DATABASE_ROLE"})


def _role(kind: str, name: str, catalog_name: str) -> str:
    if kind == "DATABASE_ROLE" and "." not in name and catalog_name:
        return f"{catalog_name}.{name}".upper()
    return name.upper()


def _is_role_edge(g: wh.RoleGrant) -> bool:
    return g.privilege == "USAGE" and g.granted_on in _ROLE_KINDS and g.granted_to in _ROLE_KINDS


@dataclass(frozen=True)
class RoleGraph:
    """Who holds which role, and through which chain."""

    parents: dict[str, frozenset[str]]  # role -> the roles it is granted to
    users: dict[str, frozenset[str]]  # role -> active users granted it
    database_roles: frozenset[str] = field(default_factory=frozenset)
    everyone: frozenset[str] = field(default_factory=frozenset)  # active users: PUBLIC's

    @classmethod
    def build(cls, facts: WarehouseFacts) -> RoleGraph:
        parents: dict[str, set[str]] = {}
        database_roles: set[str] = set()
        for g in facts.role_grants or ():
            if not _is_role_edge(g):
                continue
            child = _role(g.granted_on, g.name, g.catalog)
            parent = _role(g.granted_to, g.grantee, g.catalog)
            parents.setdefault(child, set()).add(parent)
            for kind, name in ((g.granted_on, child), (g.granted_to, parent)):
                if kind == "DATABASE_ROLE":
                    database_roles.add(name)
        active = {u.name.upper() for u in facts.users or () if not u.disabled}
        users: dict[str, set[str]] = {}
        for r in facts.user_roles or ():
            if r.user.upper() in active:
                users.setdefault(r.role.upper(), set()).add(r.user.upper())
        return cls(
            {k: frozenset(v) for k, v in parents.items()},
            {k: frozenset(v) for k, v in users.items()},
            frozenset(database_roles),
            frozenset(active),
        )

    def holders_of(self, role: str) -> dict[str, list[str]]:
        """Role -> the chain from ``role`` up to it, for ``role`` and every role above it
        (breadth first: the shortest chain; cycles ignored)."""
        start = role.upper()
        chains = {start: [start]}
        queue = [start]
        while queue:
            current = queue.pop(0)
            for parent in sorted(self.parents.get(current, ())):
                if parent not in chains:
                    chains[parent] = [*chains[current], parent]
                    queue.append(parent)
        return chains

    def users_holding(self, role: str) -> dict[str, str]:
        """Active user -> how it holds ``role`` (``A -> B -> user U``)."""
        out: dict[str, str] = {}
        for holder, chain in sorted(self.holders_of(role).items(), key=lambda kv: len(kv[1])):
            granted = self.everyone if holder == "PUBLIC" else self.users.get(holder, ())
            for user in sorted(granted):
                out.setdefault(user, " -> ".join([*chain, f"user {user}"]))
        return out

    def rolls_up_to(self, role: str, top: str) -> list[str] | None:
        return self.holders_of(role).get(top.upper())


def _allowed_public(g: wh.RoleGrant, cfg: WarehouseSecurity) -> bool:
    return any(
        a.privilege.upper() == g.privilege
        and a.object_type.upper() == g.granted_on
        and fnmatch.fnmatchcase(g.object.upper(), a.name.upper())
        for a in cfg.public_grants_allowed
    )


def _management_only(role: str, grants: tuple[wh.RoleGrant, ...]) -> bool:
    """The role holds account-level user/role management privileges and nothing else
    (besides granting roles and owning what it created)."""
    own = [
        g
        for g in grants
        if g.granted_to in _ROLE_KINDS and g.grantee.upper() == role and not _is_role_edge(g)
    ]
    managing = [
        g for g in own if g.granted_on == "ACCOUNT" and g.privilege in MANAGEMENT_PRIVILEGES
    ]
    others = [
        g
        for g in own
        if g not in managing
        and not (g.privilege == "OWNERSHIP" and g.granted_on in ("USER", "ROLE"))
    ]
    return bool(managing) and not others


@dataclass
class _Findings:
    problems: list[tuple[str, str]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


def judge(facts: WarehouseFacts, cfg: WarehouseSecurity) -> Check:
    grants = facts.role_grants or ()
    if not grants and not facts.user_roles and not facts.users:
        # An account always has users and an ACCOUNTADMIN holder: nothing at all means
        # the catalog was not read (wrong database, or a role that cannot see it).
        return catalog.error(
            CHECK_ID,
            f"the ACCOUNT_USAGE views of {facts.name} hold no grants, role grants or users: "
            "nothing to check",
            remediation="Point security.warehouse at the account's SNOWFLAKE.ACCOUNT_USAGE "
            "(a role with IMPORTED PRIVILEGES on the SNOWFLAKE database), or seed the "
            "DuckDB stand-in with its rows.",
        )
    graph = RoleGraph.build(facts)
    sanctioned = {s.role.upper(): s.reason for s in cfg.sanctioned_roles}
    f = _Findings()
    _direct_and_public_grants(grants, cfg, f)
    holders = {role: graph.users_holding(role) for role in ADMIN_ROLES}
    _admin_grants(graph, holders, sanctioned, f)
    admins = sorted(holders["ACCOUNTADMIN"])
    _admin_count(admins, cfg, f)
    _default_roles(facts, graph, f)
    custom, chains = _roll_up(facts, graph, sanctioned, f)
    evidence = [Evidence(label=r, value=w, location=facts.name) for r, w in f.problems]
    for role in ADMIN_ROLES:
        for user, chain in holders[role].items():
            evidence.append(Evidence(label=f"{role} holder", value=f"{user}: {chain}"))
    evidence += f.evidence
    evidence += [Evidence(label="role hierarchy", value=c) for c in chains.values()]
    data: dict[str, Any] = {
        "accountadmins": admins,
        "holders": {r: dict(h) for r, h in holders.items()},
        "custom_roles": custom,
        "violations": [{"rule": r, "what": w} for r, w in f.problems],
        "queries": [" ".join(q.split()) for q in (wh.Q_ROLE_GRANTS, wh.Q_USER_ROLES, wh.Q_USERS)],
    }
    if f.problems:
        rules = sorted({r for r, _ in f.problems})
        listed = "; ".join(f"{r}: {w}" for r, w in f.problems[:6])
        return catalog.make(
            CHECK_ID,
            Status.FAIL,
            f"{len(f.problems)} violation(s) of {len(rules)} rule(s): {listed}",
            evidence,
            "Grant privileges to roles, never users; revoke grants to PUBLIC (or allow-list them "
            "in security.warehouse.public_grants_allowed); grant ACCOUNTADMIN, SECURITYADMIN "
            "and USERADMIN to named admins only, never to a custom role (or list a sanctioned "
            "exception with its reason in security.warehouse.sanctioned_roles); keep "
            f"{cfg.min_accountadmins}..{cfg.max_accountadmins} ACCOUNTADMIN holders and no "
            "admin role as anyone's default role; `GRANT ROLE <custom> TO ROLE SYSADMIN` for "
            "every custom role (user- and role-management roles may sit under USERADMIN or "
            "SECURITYADMIN instead).",
            **data,
        )
    return catalog.make(
        CHECK_ID,
        Status.PASS,
        f"{len(chains)} custom role(s) roll up to SYSADMIN (or manage users under an admin "
        f"role); {len(admins)} effective ACCOUNTADMIN holder(s); no admin role granted to a "
        "custom role or used as a default role; no direct user grants, no PUBLIC grants "
        "outside the allow-list",
        evidence,
        **data,
    )


def _direct_and_public_grants(
    grants: tuple[wh.RoleGrant, ...], cfg: WarehouseSecurity, f: _Findings
) -> None:
    """Privileges granted straight to a user; grants to PUBLIC outside the allow-list."""
    for g in grants:
        if g.granted_to == "USER":
            f.problems.append(("privilege granted straight to a user", g.describe()))
    for g in grants:
        if g.grantee.upper() == "PUBLIC" and g.granted_to in _ROLE_KINDS:
            if not _allowed_public(g, cfg):
                f.problems.append(("grant to PUBLIC not in the allow-list", g.describe()))


def _admin_count(admins: list[str], cfg: WarehouseSecurity, f: _Findings) -> None:
    """Between min_accountadmins and max_accountadmins effective ACCOUNTADMIN holders."""
    if len(admins) > cfg.max_accountadmins:
        f.problems.append(
            (
                "too many ACCOUNTADMIN holders",
                f"{len(admins)} users (max {cfg.max_accountadmins}): {', '.join(admins)}",
            )
        )
    if len(admins) < cfg.min_accountadmins:
        f.problems.append(
            (
                "too few ACCOUNTADMIN holders",
                f"{len(admins)} user(s) (min {cfg.min_accountadmins}): "
                f"{', '.join(admins) or 'none'}; a second admin is the way back in when one "
                "is locked out",
            )
        )


def _admin_grants(
    graph: RoleGraph,
    holders: dict[str, dict[str, str]],
    sanctioned: dict[str, str],
    f: _Findings,
) -> None:
    for admin in ADMIN_ROLES:
        for parent in sorted(graph.parents.get(admin, ())):
            if (admin, parent) in SYSTEM_EDGES or parent == "ACCOUNTADMIN":
                continue  # the system hierarchy; ACCOUNTADMIN holds every admin role anyway
            if parent in sanctioned:
                f.evidence.append(
                    Evidence(
                        label="sanctioned exception",
                        value=f"{admin} granted to {parent}: {sanctioned[parent]}",
                    )
                )
                continue
            through = sorted(u for u, c in holders[admin].items() if f" -> {parent}" in c)
            f.problems.append(
                (
                    "admin role granted outside the system hierarchy"
                    if parent in SYSTEM_ROLES
                    else "admin role granted to a custom role",
                    f"{admin} to {parent}"
                    + (
                        f" (users holding {admin} through it: {', '.join(through)})"
                        if through
                        else ""
                    ),
                )
            )


def _default_roles(facts: WarehouseFacts, graph: RoleGraph, f: _Findings) -> None:
    above = {
        role: chain
        for admin in ("ACCOUNTADMIN", "SECURITYADMIN")
        for role, chain in graph.holders_of(admin).items()
    }
    for u in facts.users or ():
        default = u.default_role.upper()
        if u.disabled or default not in above:
            continue
        chain = above[default]
        how = default if len(chain) == 1 else f"{default}, which holds {' -> '.join(chain)}"
        f.problems.append(("admin role as default role", f"user {u.name} ({how})"))


def _roll_up(
    facts: WarehouseFacts, graph: RoleGraph, sanctioned: dict[str, str], f: _Findings
) -> tuple[list[str], dict[str, str]]:
    grants = facts.role_grants or ()
    roles = (
        set(graph.parents)
        | {g.grantee.upper() for g in grants if g.granted_to in _ROLE_KINDS - {"DATABASE_ROLE"}}
        | {r.role.upper() for r in facts.user_roles or ()}
    )
    custom = sorted(roles - SYSTEM_ROLES - graph.database_roles)
    chains: dict[str, str] = {}
    for role in custom:
        chain = graph.rolls_up_to(role, "SYSADMIN")
        if chain is not None:
            chains[role] = " -> ".join(chain)
            continue
        admin_chain = next(
            (c for a in ADMIN_ROLES if (c := graph.rolls_up_to(role, a)) is not None), None
        )
        if admin_chain is not None and _management_only(role, grants):
            chains[role] = " -> ".join(admin_chain) + " (user/role management)"
            continue
        if role in sanctioned:
            f.evidence.append(
                Evidence(label="sanctioned exception", value=f"{role}: {sanctioned[role]}")
            )
            continue
        above = ", ".join(sorted(graph.parents.get(role, ()))) or "no role"
        f.problems.append(
            ("custom role does not roll up to SYSADMIN", f"{role} (granted to {above})")
        )
    return custom, chains
