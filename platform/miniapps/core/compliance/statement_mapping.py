"""Carry statement ids of older framework versions to a newer one.

Evidence names statements as its source knows them: an app definition published when
version 2024 was current names 2024's ids. When a later version replaces it (its
``replaces.mapping`` says which old statements became which new ones), that evidence
still counts, for the new statements. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

from miniapps.core.compliance.frameworks import Framework


def replaced_chain(target: Framework, versions: Mapping[str, Framework]) -> list[Framework]:
    """``target`` then the versions it replaces, newest first, as far as they are loaded.

    A chain that loops back on itself (it cannot be loaded so, but data is data) stops at
    the first version seen twice.
    """
    chain = [target]
    seen = {target.version}
    current = target
    while current.replaced_version is not None and current.replaced_version in versions:
        if current.replaced_version in seen:
            break
        current = versions[current.replaced_version]
        seen.add(current.version)
        chain.append(current)
    return chain


def statement_carry(chain: Sequence[Framework]) -> dict[str, tuple[str, ...]]:
    """Each statement id of any version in ``chain`` (newest first, as
    :func:`replaced_chain` answers) to the ids of ``chain[0]`` it counts for.

    A statement the newer version's mapping names goes to the mapped statements; one it
    does not name goes to the statement of the same id if the newer version has it, and
    otherwise nowhere (it was dropped). Ids of the newest version map to themselves.
    """
    carry: dict[str, tuple[str, ...]] = {sid: (sid,) for sid in chain[0].statement_ids}
    for newer, older in pairwise(chain):
        newer_ids = set(newer.statement_ids)
        for sid in older.statement_ids:
            if sid in carry:  # a newer version holds it too: that meaning wins
                continue
            if sid in newer.mapping:
                steps: tuple[str, ...] = newer.mapping[sid]
            elif sid in newer_ids:
                steps = (sid,)
            else:
                steps = ()
            targets: list[str] = []
            for step in steps:
                for target in carry.get(step, ()):
                    if target not in targets:
                        targets.append(target)
            carry[sid] = tuple(targets)
    return carry
