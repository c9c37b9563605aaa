"""The "Publish to" choices as the hierarchy: Place → PCN → practices, not a flat list.

Pure presentation of the organisations :class:`~miniapps.services.permissions.Access`
allows (already fetched by the view): each organisation with the ones beneath it, so a
publisher picks a Place or a PCN and sees the practices it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from miniapps.models import Organisation


@dataclass
class TargetNode:
    org: Organisation
    children: list[TargetNode] = field(default_factory=list)

    @property
    def groups(self) -> list[TargetNode]:
        """Children that have organisations beneath them (a Place's PCNs)."""
        return [c for c in self.children if c.children]

    @property
    def leaves(self) -> list[TargetNode]:
        """Children with nothing beneath them (a PCN's practices)."""
        return [c for c in self.children if not c.children]

    def practices(self) -> list[Organisation]:
        """Every organisation at the bottom of the tree beneath this one, by name."""
        if not self.children:
            return [self.org]
        found = [o for c in self.children for o in c.practices()]
        return sorted(found, key=lambda o: o.name)


def target_tree(orgs: list[Organisation]) -> list[TargetNode]:
    """``orgs`` as trees: the roots are those whose parent is not among them."""
    nodes = {o.id: TargetNode(o) for o in orgs}
    roots: list[TargetNode] = []
    for org in sorted(orgs, key=lambda o: (o.path.count("/"), o.name)):
        parent = nodes.get(org.parent_id) if org.parent_id is not None else None
        (parent.children if parent else roots).append(nodes[org.id])
    return sorted(roots, key=lambda n: not n.children)  # trees first, then lone ones
