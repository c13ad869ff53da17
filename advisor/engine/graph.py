"""Strongly connected components of a graph, for the compiler's stages and the batch slices."""

from __future__ import annotations

from typing import Any, Callable, Hashable, Iterable, TypeVar

Node = TypeVar("Node", bound=Hashable)


def components(starts: Iterable[Node], successors: Callable[[Node], Iterable[tuple[Node, Any]]]) -> list[list[Node]]:
    """The strongly connected components of the graph reachable from ``starts``, each listed after
    every component it reaches (sinks first). ``successors(node)`` gives ``(node, label)`` pairs.
    Tarjan's algorithm without recursion: linear in nodes and edges, any depth."""
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    on_stack: set[Node] = set()
    stack: list[Node] = []
    out: list[list[Node]] = []
    for start in starts:
        if start in index:
            continue
        work = [(start, iter(successors(start)))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child, _ in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(successors(child))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    out.append(component)
    return out
