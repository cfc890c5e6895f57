"""engine.jobs.process: the child runs under `accelerate launch`, with the data dir and the engine on its path."""

import sys

import engine.jobs.launcher
from engine.common.paths import REPO_ROOT
from engine.jobs.process import _child_environment, _signal_in_log, launch_command


def test_without_an_accelerate_config_one_local_process_is_launched(tmp_path, monkeypatch):
    monkeypatch.delenv("STUDIO_ACCELERATE_CONFIG", raising=False)
    monkeypatch.setattr(engine.jobs.launcher, "default_config_file", str(tmp_path / "absent.yaml"))

    command = launch_command(7)

    assert command[:3] == [sys.executable, "-m", "accelerate.commands.launch"]
    assert command[command.index("--num_processes") + 1] == "1"
    assert command[-3:] == ["-m", "engine.jobs.worker", "7"]


def test_an_accelerate_config_named_in_the_environment_is_followed(monkeypatch, tmp_path):
    config = tmp_path / "one-machine.yaml"
    config.write_text("distributed_type: 'NO'\nnum_processes: 1\nmixed_precision: 'no'\n")
    monkeypatch.setenv("STUDIO_ACCELERATE_CONFIG", str(config))

    command = launch_command(7)

    assert command[command.index("--config_file") + 1] == str(config)
    assert "--num_processes" not in command


def test_the_child_inherits_the_data_dir_and_finds_the_engine(studio_data_dir):
    env = _child_environment(7)

    assert env["STUDIO_DATA_DIR"] == str(studio_data_dir)
    assert env["PYTHONPATH"].split(":")[0] == str(REPO_ROOT)
    assert env["PYTHONUNBUFFERED"] == "1"
    # Who is job 7's process:
    assert env["FINETUNE_STUDIO_JOB_FOLDER"] == str((studio_data_dir / "jobs" / "7").resolve())


def test_the_signal_that_killed_the_worker_is_read_from_its_launchers_last_line():
    tail = "step 3\nsubprocess.CalledProcessError: ... died with <Signals.SIGKILL: 9>."

    assert _signal_in_log(tail) == "SIGKILL"
    assert _signal_in_log("exited with code 1") is None
