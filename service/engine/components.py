"""The gaps' shape: strongly connected parts of untraced nodes that no live link leaves, found
without recursion in plain Python, over any adjacency (an engine's memoryviews, or lists). A
patched engine finds the gaps of the region a write changed with it (service.engine.patch), and
a node's ancestry its own (service.engine.closure); the engine's whole pass is scipy's
(service.engine.classify).
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence

__all__ = ["source_components"]


def source_components(
    nodes: Iterable[int], ptr: Sequence[int], idx: Sequence[int], region: Container[int]
) -> list[tuple[list[int], bool]]:
    """The strongly connected components of these untraced nodes (over live links up) that no
    link leaves, each as (members in id order, cyclic): the gaps among them. Iterative Tarjan;
    every live parent of an untraced node is untraced, so one in the region is in `nodes`."""
    number: dict[int, int] = {}
    low: dict[int, int] = {}
    comp_of: dict[int, int] = {}
    comps: list[list[int]] = []
    stack: list[int] = []
    on_stack: set[int] = set()
    for root in nodes:
        if root in number:
            continue
        number[root] = low[root] = len(number)
        stack.append(root)
        on_stack.add(root)
        work = [(root, int(ptr[root]))]
        while work:
            v, k = work[-1]
            if k < ptr[v + 1]:
                work[-1] = (v, k + 1)
                w = idx[k]
                if w not in region:
                    continue
                if w not in number:
                    number[w] = low[w] = len(number)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, int(ptr[w])))
                elif w in on_stack:
                    low[v] = min(low[v], number[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == number[v]:
                comp: list[int] = []
                while True:
                    x = stack.pop()
                    on_stack.discard(x)
                    comp_of[x] = len(comps)
                    comp.append(x)
                    if x == v:
                        break
                comps.append(comp)
    out: list[tuple[list[int], bool]] = []
    for cid, comp in enumerate(comps):
        parents = [idx[k] for v in comp for k in range(ptr[v], ptr[v + 1])]
        if all(comp_of.get(p) == cid for p in parents):
            cyclic = len(comp) > 1 or any(
                idx[k] == v for v in comp for k in range(ptr[v], ptr[v + 1])
            )
            out.append((sorted(comp), cyclic))
    return out
