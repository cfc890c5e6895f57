"""`python -m engine ...`: every capability of the app from the command line, through the same engine code.

`main` parses the commands and maps user errors (`StudioError`) to exit code 2; `dataset_commands`, `try_commands` and
`token_report` hold the commands of the Datasets, Try and Tokenizer tabs; `output` prints text or `--json`.
It may import every other subpackage; nothing imports it.
"""
