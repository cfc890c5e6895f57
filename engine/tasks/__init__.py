"""Training tasks behind one protocol: what a task reads, how it tokenizes, which head it trains and how it scores.

`base` defines the `Task` protocol and the plain dataclasses every task returns (`TaskSetup`, `Tokenization`,
`EvaluationReport`, `CardMetadata`); one module per task implements it (`text_classification`, `multi_label`,
`regression`, `token_classification`, `question_answering`), and `registry` names them (`get_task`, `infer_task`).
`conll` reads CoNLL-style word / tag files, `squad` scores answers as SQuAD does, `scores` holds the plain numeric
metrics the tasks share. `checks` reports what a split holds for its task, `alignment` and `windows` show how one
example is tokenized for training (labels per token, QA windows), and `saved` keeps a model's setup in `task.json`.
A training recipe, a job, a chart or the CLI uses a task through the protocol and never branches on its name;
adding a task is adding one module and registering it. It may import `common`, `datasets` and `models`;
`training`, `inference` and `jobs` import it, never the reverse.
"""
