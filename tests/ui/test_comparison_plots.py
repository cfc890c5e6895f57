"""ui.plots.comparison: one panel per series with every run in its own colour, log scale on demand, and parallel
coordinates that end at the metric."""

from engine.experiments.compare import compare_jobs
from tests.compared_runs import record_run
from ui.plots.comparison import comparison_curves, parallel_coordinates


def _comparison(store, **options):
    slow = record_run(store, 0.8, name="slow")
    jobs = [slow, record_run(store, 0.9, name="fast", learning_rate=1e-3, model="scratch:small")]
    return compare_jobs(store, jobs, **options)


def test_each_series_has_its_panel_and_each_run_one_colour_and_one_legend_entry(store):
    figure = comparison_curves(_comparison(store, smoothing=0.5))

    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == ["train/loss", "eval/loss", "eval/accuracy", "eval/f1", "train/learning_rate"]
    legend = [trace.name for trace in figure.data if trace.showlegend]
    assert [name.split(" ", 1)[1] for name in legend] == ["slow", "fast"]
    colours = {group: {t.line.color for t in figure.data if t.legendgroup == group} for group in legend}
    assert [len(found) for found in colours.values()] == [1, 1] and len(set.union(*colours.values())) == 2
    assert len(figure.data) == 2 * 2 * 5  # raw (faint) and smoothed, per run and series


def test_without_smoothing_only_the_raw_lines_are_drawn_and_log_scale_sets_every_y_axis(store):
    figure = comparison_curves(_comparison(store, smoothing=0.0), log_scale=True)

    assert len(figure.data) == 2 * 5
    assert {figure.layout[name].type for name in figure.layout if name.startswith("yaxis")} == {"log"}


def test_parallel_coordinates_end_at_the_metric_coloured_by_it(store):
    figure = parallel_coordinates(_comparison(store, metric="f1"))

    (trace,) = figure.data
    assert [dimension.label for dimension in trace.dimensions] == ["learning_rate", "model", "f1"]
    assert list(trace.dimensions[1].ticktext) == ["scratch:small", "scratch:tiny"]
    assert list(trace.dimensions[1].values) == [1.0, 0.0]
    assert list(trace.line.color) == [0.8, 0.9]


def test_empty_figures_say_what_will_appear():
    assert comparison_curves(None).layout.annotations[0].text.startswith("Pick runs (or a filter) and press Compare")
    assert parallel_coordinates(None).layout.annotations[0].text.startswith("Runs with a validation score")
