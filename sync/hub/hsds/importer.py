"""``ontmoet-hub import PATH [--dry-run] [--source NAME]``: communities from HSDS 3.0 or 2.0
data or the desk's spreadsheet (docs/open-data.md, "Import").

First a plan: each source record becomes a community draft (drafts.py, sheet.py), and the
plan says per record what would happen: add, change (which fields; those the group wrote
itself wait for the group) or skip, with the reason, file, line and field. A dry run prints
the plan and changes nothing. Otherwise the plan is applied in ONE write transaction through
the hub's normal write path (put_shared, proposals), so the kiosks pull it like any change,
and the run is recorded with its report and every field's provenance.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import uuid
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sync.hub import archive, proposals, taxonomy
from sync.hub.hsds import provenance, readers, sheet
from sync.hub.hsds.drafts import Draft, from_hsds
from sync.hub.hsds.readers import Input, Problem
from sync.hub.hsds.sources import ImportRefused
from sync.hub.hsds.terms import ONTMOET_LISTS, Terms
from sync.hub.store import audit, now_iso, put_shared, shared_record, write

#: The most communities (services, organizations without services, spreadsheet rows) one
#: import may hold: a town has hundreds, a region thousands.
MAX_RECORDS = 100_000
ACTIONS = ("add", "change", "skip")


@dataclass
class Step:
    action: str
    draft: Draft
    community_id: str = ""
    changes: dict = field(default_factory=dict)
    waiting: list[str] = field(default_factory=list)  # fields the group wrote: a proposal
    hashes: dict[str, str] = field(default_factory=dict)
    reason: Problem | None = None


@dataclass
class Plan:
    source: str
    format: str
    steps: list[Step]
    terms: Terms
    problems: list[Problem]  # rows with something left out, found while reading or drafting
    not_used: dict[str, int]
    #: Records this source adds that another source's import brought before (a renamed file).
    elsewhere: dict[str, int] = field(default_factory=dict)

    def count(self, action: str) -> int:
        return sum(1 for step in self.steps if step.action == action)

    def report(self) -> dict:
        bad = [p.as_dict() for p in self.problems]
        bad += [s.reason.as_dict() for s in self.steps if s.reason and s.reason.field != "—"]
        bad.sort(key=lambda p: (p["file"], p["line"]))
        return {
            "format": self.format,
            "unknown_terms": [{"taxonomy": t, "term": name, "count": n}
                              for (t, name), n in sorted(self.terms.unknown.items())],
            "terms_added": {k: v for k, v in self.terms.added.items() if v},
            "bad_rows": bad[: provenance.MAX_REPORTED_ROWS],
            "bad_row_count": len(bad),
            "not_used": dict(sorted(self.not_used.items())),
            "imported_before_as": self.elsewhere,
        }  # fmt: skip


def _drafts(found: Input, terms: Terms, today: date) -> list[Draft]:
    count = len(found.sheet.rows) if found.sheet else len(found.items)
    if count > MAX_RECORDS:
        raise ImportRefused(f"{count:,} records to import; the limit is {MAX_RECORDS:,} at once")
    if found.sheet is not None:
        return list(sheet.drafts(found.sheet, terms))
    return [from_hsds(item, terms, today) for item in found.items]


def _free_id(conn: sqlite3.Connection, wanted: list[str], taken: set[str]) -> str:
    """The first wanted id that is a UUID no community here has (live, archived or deleted)."""
    for candidate in wanted:
        try:
            canonical = str(uuid.UUID(candidate)) == candidate
        except (ValueError, TypeError):
            canonical = False
        if canonical and candidate not in taken:
            used = conn.execute(
                "SELECT 1 FROM shared_records WHERE entity = 'community' AND id = ? UNION"
                " SELECT 1 FROM archived_communities WHERE community_id = ?",
                [candidate, candidate],
            ).fetchone()
            if used is None:
                return candidate
    return str(uuid.uuid4())


def _own_group(conn: sqlite3.Connection, wanted: list[str], archived: set[str]) -> str | None:
    for candidate in wanted:
        if candidate in archived or shared_record(conn, "community", candidate) is not None:
            return candidate
    return None


def plan(conn: sqlite3.Connection, found: Input, source: str, today: date) -> Plan:
    """What importing ``found`` as ``source`` would do; changes nothing."""
    terms = Terms(taxonomy.current(conn), found.terms)
    for scheme, code in found.terms:  # an Ontmoet hub's lists come whole, in their order
        if scheme in ONTMOET_LISTS:
            terms.ontmoet(ONTMOET_LISTS[scheme], scheme, code, {"name": code})
    drafts = _drafts(found, terms, today)
    # A group that is one organization with one service keeps the organization's id (an
    # Ontmoet export puts the community's id there).
    organizations: dict[str, int] = {}
    for item in found.items:
        org = (item.data.get("organization") or {}).get("id")
        if org:
            organizations[org] = organizations.get(org, 0) + 1
    known = provenance.known_sources(conn, source)
    archived = {a["id"] for a in archive.archived(conn)}
    seen: dict[str, int] = {}
    taken: set[str] = set()
    steps = []
    for i, draft in enumerate(drafts):
        if draft.skip:
            steps.append(Step("skip", draft, reason=draft.skip))
            continue
        if not draft.source_id:
            draft.source_id = draft.name
        if draft.source_id in seen:
            steps.append(Step("skip", draft, reason=Problem(draft.file, draft.line, "id",
                         f"the same id as line {seen[draft.source_id]}")))  # fmt: skip
            continue
        seen[draft.source_id] = draft.line
        cid = known.get(draft.source_id)
        if cid is None:
            wanted = [draft.source_id]
            if found.items:
                org = (found.items[i].data.get("organization") or {}).get("id") or ""
                if organizations.get(org) == 1:
                    wanted.insert(0, org)
            # A group of this hub by its own id (this hub's export, changed and imported back)
            # is that group; otherwise a new one.
            cid = _own_group(conn, wanted, archived)
            if cid in taken:
                steps.append(Step("skip", draft, reason=Problem(draft.file, draft.line, "id",
                             "names the same group as a record before it")))  # fmt: skip
                continue
            if cid is None:
                cid = _free_id(conn, wanted, taken)
                taken.add(cid)
                steps.append(Step("add", draft, cid, dict(draft.fields)))
                continue
            taken.add(cid)
        hashes = {name: provenance.value_hash(v) for name, v in draft.fields.items()}
        steps.append(_update(conn, draft, cid, hashes, cid in archived))
    problems = list(found.problems) + [p for d in drafts for p in d.problems]
    added = [s.draft.source_id for s in steps if s.action == "add"]
    return Plan(source, found.format, steps, terms, problems, dict(found.not_used),
                provenance.other_sources(conn, source, added))  # fmt: skip


def _same(ours: object, theirs: object) -> bool:
    """Equal, or both empty (a record stored before ``places`` existed has none)."""
    return ours == theirs or (not ours and not theirs)


def _update(conn, draft: Draft, cid: str, hashes: dict[str, str], archived: bool) -> Step:
    """A record imported before: only the fields the source changed since the last import."""
    record = shared_record(conn, "community", cid)
    if record is None:
        gone = "archived at the desk" if archived else "deleted at the hub"
        return Step("skip", draft, cid, reason=Problem(draft.file, draft.line, "—",
                    f"imported before, {gone} since: left as it is"))  # fmt: skip
    last = provenance.last_hashes(conn, cid)
    moved = {name: digest for name, digest in hashes.items() if last.get(name) != digest}
    changes = {name: draft.fields[name] for name in moved
               if not _same(record.get(name), draft.fields[name])}  # fmt: skip
    if not changes:
        return Step(
            "skip",
            draft,
            cid,
            hashes=moved,
            reason=Problem(
                draft.file, draft.line, "—", "nothing changed in the source since the last import"
            ),
        )
    waiting = [name for name in changes
               if record.get("provenance", {}).get(name, "community") == "community"]  # fmt: skip
    return Step("change", draft, cid, changes, waiting, moved)


def apply(conn: sqlite3.Connection, chosen: Plan, actor: str) -> int:
    """The plan, all or nothing, inside the caller's write transaction; returns the run's id."""
    started = now_iso()
    run_id = provenance.new_run(conn, chosen.source, chosen.format, actor, started)
    if any(chosen.terms.added.values()):
        put_shared(conn, "taxonomy", chosen.terms.record)
        added = sum(len(v) for v in chosen.terms.added.values())
        audit(conn, actor, f"taxonomy: {added} terms imported", chosen.source)
    for step in chosen.steps:
        draft = step.draft
        if step.action == "add":
            put_shared(conn, "community", {
                **draft.fields, "id": step.community_id,
                "provenance": dict.fromkeys(draft.fields, "reception"),
                "last_confirmed": None,
            })  # fmt: skip
            audit(conn, actor, "community imported", step.community_id)
            step.hashes = {k: provenance.value_hash(v) for k, v in draft.fields.items()}
        elif step.action == "change":
            proposals.propose_within(conn, step.community_id, step.changes, "reception", actor)
        if step.hashes and step.community_id:
            provenance.remember(conn, chosen.source, draft.source_id, step.community_id,
                                step.hashes, started, run_id)  # fmt: skip
    counts = {action: chosen.count(action) for action in ACTIONS}
    provenance.finish_run(conn, run_id, counts, chosen.report(), now_iso())
    return run_id


# -- the command -------------------------------------------------------------------------------


def _where(problem: Problem) -> str:
    unit = "item" if problem.file.endswith(".json") else "line"
    return f"{problem.file} {unit} {problem.line}"


def describe(chosen: Plan, dry_run: bool, out=None) -> None:
    """The plan, one line per record, then the unknown terms, the rows with something left
    out, what was not used, and the totals."""
    out = out or sys.stdout
    print(f"Import from {chosen.source} ({chosen.format})", file=out)
    for step in chosen.steps:
        draft = step.draft
        what = f"{step.action:<7}{_where(Problem(draft.file, draft.line, '', ''))}: "
        what += draft.name or draft.source_id or "—"
        if step.action == "change":
            what += f" ({', '.join(sorted(step.changes))}"
            if step.waiting:
                what += f"; waiting for the group: {', '.join(sorted(step.waiting))}"
            what += ")"
        elif step.reason:
            field_name = f"{step.reason.field}: " if step.reason.field != "—" else ""
            what += f" — {field_name}{step.reason.problem}"
        print(what, file=out)
    for p in chosen.problems:
        print(f"note   {_where(p)}: {p.field}: {p.problem}", file=out)
    added = {k: v for k, v in chosen.terms.added.items() if v}
    for list_name, slugs in added.items():
        print(f"Terms added to the hub's {list_name}: {', '.join(slugs)}", file=out)
    if chosen.terms.unknown:
        print("Unknown terms (not added; the desk can add them to its lists):", file=out)
        for (scheme, name), n in sorted(chosen.terms.unknown.items()):
            print(f"  {scheme}: {name} ({n}x)", file=out)
    if chosen.not_used:
        total = sum(chosen.not_used.values())
        parts = ", ".join(f"{k} {v}" for k, v in sorted(chosen.not_used.items()))
        print(f"Not used: {total} values ({parts})", file=out)
    for other, n in chosen.elsewhere.items():
        print(
            f"Warning: {n} records to add were imported before from '{other}': to update "
            f"them instead, import with --source '{other}'",
            file=out,
        )
    counts = ", ".join(f"{a} {chosen.count(a)}" for a in ACTIONS)
    tail = " (dry run: nothing changed)" if dry_run else ""
    print(f"{'Would' if dry_run else 'Done:'} {counts}{tail}", file=out)


def run(conn: sqlite3.Connection, path: Path, source: str = "", dry_run: bool = False,
        actor: str = "", out=None) -> Plan:  # fmt: skip
    """Read, plan, and (unless a dry run) apply; ImportRefused when the input is refused."""
    source = source.strip() or path.name
    found = readers.read(path)  # the files first, outside the hub's write lock
    if dry_run:
        chosen = plan(conn, found, source, date.today())
    else:
        # Planned and applied in one transaction: what the plan saw is what it changes.
        with write(conn):
            chosen = plan(conn, found, source, date.today())
            apply(conn, chosen, actor or f"import:{source}")
    describe(chosen, dry_run, out)
    return chosen


def cli(args: argparse.Namespace, conn: sqlite3.Connection) -> int:
    try:
        run(conn, args.path, args.source, args.dry_run)
    except ImportRefused as exc:
        print(f"ontmoet-hub import: {exc}; nothing was imported", file=sys.stderr)
        return 2
    return 0
