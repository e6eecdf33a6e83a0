"""The collapse analysis on graphs written as plain data: no source, no Keras."""

from __future__ import annotations

from flake8_keras_activation.catalog import Act, Kind
from flake8_keras_activation.rules.collapse import analyze, find_collapses, is_affine_end_to_end
from flake8_keras_activation.graph import LayerNode, ModelGraph


def dense(key: int, activation: Act = Act.LINEAR) -> LayerNode:
    return LayerNode(key, Kind.AFFINE, f"Dense({key})", activation, line=key, col=0)


def node(key: int, kind: Kind, label: str = "") -> LayerNode:
    return LayerNode(key, kind, label or kind.value, line=key, col=0)


def chain(*nodes: LayerNode, kind: str = "sequential") -> ModelGraph:
    edges = frozenset((a.key, b.key) for a, b in zip(nodes, nodes[1:]))
    return ModelGraph(kind, "Sequential", nodes, edges, line=100, col=0,
                      preceded=frozenset(n.key for n in nodes[1:]))


def test_linear_layer_feeding_an_affine_layer_collapses() -> None:
    graph = chain(dense(1), dense(2))
    [collapse] = find_collapses(graph)
    assert (collapse.source.key, collapse.target.key, collapse.via) == (1, 2, ())


def test_pass_through_layers_are_named_on_the_path() -> None:
    graph = chain(dense(1), node(2, Kind.PASS, "Dropout(0.5)"), node(3, Kind.PASS, "Flatten()"), dense(4))
    [collapse] = find_collapses(graph)
    assert [n.label for n in collapse.via] == ["Dropout(0.5)", "Flatten()"]
    assert "through Dropout(0.5), Flatten()" in analyze(graph)[0].message


def test_nonlinear_and_unknown_steps_break_the_chain() -> None:
    for breaker in (Kind.NONLINEAR, Kind.UNKNOWN):
        assert find_collapses(chain(dense(1), node(2, breaker), dense(3))) == []


def test_target_activation_does_not_matter_but_source_activation_does() -> None:
    assert len(find_collapses(chain(dense(1), dense(2, Act.NONLINEAR)))) == 1
    assert find_collapses(chain(dense(1, Act.NONLINEAR), dense(2))) == []
    assert find_collapses(chain(dense(1, Act.UNKNOWN), dense(2))) == []


def test_final_linear_layer_is_not_a_collapse() -> None:
    graph = chain(dense(1, Act.NONLINEAR), dense(2))
    assert find_collapses(graph) == []
    assert analyze(graph) == []


def test_merge_keeps_the_chain_only_when_every_input_is_affine() -> None:
    inp = node(0, Kind.INPUT)
    a, b = dense(1), dense(2)
    merge = node(3, Kind.MERGE, "Add()")
    out = dense(4)
    edges = {(0, 1), (0, 2), (1, 3), (2, 3), (3, 4)}
    graph = ModelGraph("functional", "Model", (inp, a, b, merge, out), frozenset(edges))
    assert sorted(c.source.key for c in find_collapses(graph)) == [1, 2]

    relu = node(5, Kind.NONLINEAR, "ReLU()")
    edges = {(0, 1), (0, 5), (5, 3), (1, 3), (3, 4)}
    graph = ModelGraph("functional", "Model", (inp, a, relu, merge, out), frozenset(edges))
    assert find_collapses(graph) == []


def test_self_loop_is_a_collapse_with_its_own_message() -> None:
    looped = dense(1)
    graph = ModelGraph("sequential", "Sequential", (looped,), frozenset({(1, 1)}), line=9, col=0)
    ka101, ka103 = analyze(graph)
    assert ka101.code == "KA101" and "feeds itself" in ka101.message
    assert ka103.code == "KA103" and "2 affine layers" in ka103.message


def test_affine_end_to_end_needs_two_affine_maps() -> None:
    assert is_affine_end_to_end(chain(dense(1), node(2, Kind.PASS), dense(3)))
    assert not is_affine_end_to_end(chain(dense(1)))
    assert not is_affine_end_to_end(chain(dense(1), dense(2, Act.NONLINEAR)))
    looped = ModelGraph("sequential", "Sequential", (dense(1),), frozenset({(1, 1)}))
    assert is_affine_end_to_end(looped)


def test_incomplete_model_is_never_affine_end_to_end() -> None:
    graph = chain(dense(1), dense(2))
    incomplete = ModelGraph(graph.kind, graph.label, graph.nodes, graph.edges, complete=False)
    assert not is_affine_end_to_end(incomplete)


def test_ka102_only_for_preceded_layers_of_sequential_models() -> None:
    first = LayerNode(1, Kind.AFFINE, "Dense(4)", Act.NONLINEAR, line=1, col=0, shape_args=("input_dim",))
    second = LayerNode(2, Kind.AFFINE, "Dense(1)", Act.NONLINEAR, line=2, col=4, shape_args=("input_shape",))
    graph = chain(first, second)
    assert [(f.line, f.col, f.code) for f in analyze(graph)] == [(2, 4, "KA102")]
    functional = ModelGraph("functional", "Model", graph.nodes, graph.edges, preceded=graph.preceded)
    assert analyze(functional) == []
