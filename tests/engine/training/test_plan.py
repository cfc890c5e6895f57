"""engine.training.plan: before a run starts, say where it trains, how many updates, memory and (from history) time."""

import pytest
import torch

import engine.training.config
from engine.jobs.catalog import past_runs
from engine.jobs.store import JobStore
from engine.training.config import TrainConfig
from engine.training.plan import BYTES_PER_PARAMETER, count_parameters, plan_training


def test_a_plan_counts_updates_evaluations_and_parameters(tiny_csv_folder):
    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", epochs=3, batch_size=8)

    plan = plan_training(config)

    assert plan.device == "cpu" and plan.hardware.startswith("CPU")
    assert plan.train_rows == 54  # 60 rows less the carved validation split
    assert plan.steps == 3 * 7 and plan.evaluations == 3
    assert plan.memory_bytes > plan.parameters * BYTES_PER_PARAMETER
    assert plan.seconds is None and "first run" in plan.estimate_basis
    assert "Trains on the CPU" in plan.summary()


def test_the_parameter_count_matches_the_real_model(tiny_csv_folder):
    from transformers import AutoModelForSequenceClassification

    config = TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny")
    counted, architecture = count_parameters(config, labels=2)

    real = AutoModelForSequenceClassification.from_config(architecture)
    assert counted == sum(p.numel() for p in real.parameters())


def test_time_is_estimated_from_an_earlier_run_of_the_same_model(tiny_csv_folder):
    store = JobStore()
    earlier = store.create({"model": "scratch:tiny", "dataset": "x", "batch_size": 8, "max_length": 128})
    store.record_progress(earlier.id, 10, 10)
    store.claim_next("cpu", limit=1)
    with store._connect() as db:  # a run of 20 s for 10 updates
        db.execute(
            "UPDATE jobs SET started_at = 100, finished_at = 120, status = 'completed' WHERE id = ?", (earlier.id,)
        )

    plan = plan_training(
        TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", epochs=1, batch_size=8),
        past_runs(store),
        "cpu",
    )

    assert plan.seconds == pytest.approx(2.0 * plan.steps)
    assert f"#{earlier.id}" in plan.estimate_basis


def test_a_plan_refuses_what_a_launch_would_refuse(tiny_csv_folder):
    with pytest.raises(ValueError, match="label column 'stars' not found"):
        plan_training(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny", label_column="stars"))


def test_counting_parameters_leaves_models_built_meanwhile_in_other_threads_on_the_cpu(tiny_csv_folder, monkeypatch):
    import threading

    import torch
    from transformers import AutoModelForSequenceClassification

    counting, built = threading.Event(), threading.Event()
    real_from_config = AutoModelForSequenceClassification.from_config

    def from_config_while_another_thread_builds(architecture):
        counting.set()
        assert built.wait(timeout=30)  # another user's model is built while the plan counts
        return real_from_config(architecture)

    monkeypatch.setattr(AutoModelForSequenceClassification, "from_config", from_config_while_another_thread_builds)
    devices = []

    def other_user():
        counting.wait(timeout=30)
        devices.append(torch.nn.Linear(4, 4).weight.device.type)
        built.set()

    thread = threading.Thread(target=other_user)
    thread.start()
    counted, _ = count_parameters(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"), labels=2)
    thread.join()

    assert counted > 0
    assert devices == ["cpu"]  # not "meta": the counting context stays in its own thread


def test_the_plan_says_auto_trains_scratch_minilm_in_bf16_on_a_native_bf16_cpu_and_scratch_tiny_in_fp32(
    tiny_csv_folder, monkeypatch
):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(engine.training.config, "cpu_native_bf16", lambda: "amx_bf16")

    wide = plan_training(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:minilm"))
    narrow = plan_training(TrainConfig(dataset=str(tiny_csv_folder), model="scratch:tiny"))

    assert (wide.precision, narrow.precision) == ("bf16", "fp32")
    assert wide.summary().startswith("Trains on the CPU in bf16")
