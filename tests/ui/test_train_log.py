"""ui.train_log: a job's log as a person reads it, from the lines a real training child writes."""

from ui.train_log import readable_log

# Lines of a real `train.log` (scratch:tiny, one epoch), as `Job.log_tail` reads them: universal newlines turn a
# progress bar's carriage returns into line ends.
LOG = (
    "\rTokenizing:   0%|          | 0/1122 [00:00<?, ? examples/s]"
    "\rTokenizing:  89%|████████▉ | 1000/1122 [00:00<00:00, 2377.26 examples/s]"
    "\rTokenizing: 100%|██████████| 1122/1122 [00:00<00:00, 2568.38 examples/s]\n"
    "\rTokenizing:   0%|          | 0/140 [00:00<?, ? examples/s]"
    "\rTokenizing: 100%|██████████| 140/140 [00:00<00:00, 8053.69 examples/s]\n"
    "[transformers] \x1b[1mBertForSequenceClassification LOAD REPORT\x1b[0m from: /data/cache/scratch-models/tiny\n"
    "Key               | Status  | \n"
    "------------------+---------+-\n"
    "classifier.bias   | MISSING | \n"
    "classifier.weight | MISSING | \n"
    "\n"
    "Notes:\n"
    "- MISSING:\tthose params were newly initialized because missing from the checkpoint. Consider training on your"
    " downstream task.\n"
    "{'loss': '0.6938', 'grad_norm': '0.153', 'learning_rate': '0', 'epoch': '0.01408'}\n"
    "{'loss': '0.6736', 'grad_norm': '1.533', 'learning_rate': '7.937e-06', 'epoch': '1'}\n"
    "{'eval_loss': '0.6932', 'eval_accuracy': '0.5', 'eval_f1': '0.3333', 'eval_precision': '0.25', 'eval_recall':"
    " '0.5', 'eval_runtime': '0.1712', 'eval_samples_per_second': '817.6', 'eval_steps_per_second': '29.2',"
    " 'epoch': '1'}\n"
    "{'train_runtime': '3.804', 'train_samples_per_second': '294.9', 'train_steps_per_second': '18.66',"
    " 'train_loss': '0.6939', 'epoch': '1'}\n"
    "2026-12-01 00:03:49,942 INFO engine.jobs.worker: training job 1 ended\n"
)


def _as_read() -> str:
    return LOG.replace("\r", "\n")  # what `Path.read_text` gives: universal newlines


def test_a_redrawn_progress_bar_shows_only_its_latest_state_and_each_bar_keeps_its_own_line():
    lines = readable_log(_as_read()).splitlines()

    bars = [line for line in lines if line.startswith("Tokenizing")]
    assert bars == [
        "Tokenizing: 100%|██████████| 1122/1122 [00:00<00:00, 2568.38 examples/s]",
        "Tokenizing: 100%|██████████| 140/140 [00:00<00:00, 8053.69 examples/s]",
    ]


def test_the_trainers_log_dicts_read_as_progress_evaluation_and_summary_lines():
    lines = readable_log(_as_read()).splitlines()

    assert "epoch 0.01: loss 0.6938 · learning rate 0 · grad norm 0.153" in lines
    assert "evaluation, epoch 1.00: loss 0.6932 · accuracy 0.5 · f1 0.3333 · precision 0.25 · recall 0.5" in lines
    assert "training finished in 3.804 s, 294.9 samples/s, mean training loss 0.6939" in lines
    assert not any(line.startswith("{") for line in lines)


def test_a_new_classification_head_is_one_explained_line_without_terminal_codes():
    text = readable_log(_as_read())

    assert "\x1b" not in text and "LOAD REPORT" not in text and "| MISSING |" not in text
    assert "note: weights new, with random weights (expected: training teaches them): classifier.bias, " in text


def test_unused_pretraining_weights_are_explained_too():
    report = (
        "BertForSequenceClassification LOAD REPORT from: bert\nKey | Status |\ncls.predictions.bias | UNEXPECTED |\n"
    )

    assert "not used by this model (expected: the pre-training head is dropped): cls.predictions.bias" in (
        readable_log(report)
    )


def test_lines_it_does_not_know_are_kept_as_they_are():
    text = "Traceback (most recent call last):\n  File \"x.py\", line 1\n{not a dict}\n{'a': 1}\n"

    assert readable_log(text).splitlines() == [
        "Traceback (most recent call last):",
        '  File "x.py", line 1',
        "{not a dict}",
        "{'a': 1}",
    ]
