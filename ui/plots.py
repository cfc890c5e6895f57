"""Plotly figures shared by the tabs: data in, figure out, no Gradio."""

import plotly.graph_objects as go

_LAYOUT = {"margin": {"l": 50, "r": 20, "t": 40, "b": 40}, "height": 320, "template": "plotly_white"}


def loss_curve(events: list[dict], title: str = "Loss") -> go.Figure:
    """Training loss per step, with the validation loss at each evaluation; drawn from the first event on."""
    figure = go.Figure()
    train = [e for e in events if e.get("type") == "train" and e.get("loss") is not None]
    evals = [e for e in events if e.get("type") == "eval" and e.get("loss") is not None]
    figure.add_scatter(
        x=[e["step"] for e in train], y=[e["loss"] for e in train], mode="lines+markers", name="train loss"
    )
    figure.add_scatter(
        x=[e["step"] for e in evals], y=[e["loss"] for e in evals], mode="lines+markers", name="validation loss"
    )
    figure.update_layout(title=title, xaxis_title="optimizer step", yaxis_title="loss", **_LAYOUT)
    return figure


def probabilities_bar(scores: dict[str, float]) -> go.Figure:
    """One horizontal bar per label, the most likely on top."""
    ranked = sorted(scores.items(), key=lambda item: item[1])
    figure = go.Figure(
        go.Bar(
            x=[p for _, p in ranked],
            y=[label for label, _ in ranked],
            orientation="h",
            text=[f"{p:.1%}" for _, p in ranked],
            textposition="auto",
        )
    )
    figure.update_layout(title="Probability per label", xaxis={"range": [0, 1], "tickformat": ".0%"}, **_LAYOUT)
    return figure
