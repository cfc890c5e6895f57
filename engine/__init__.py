"""Finetune Studio's engine: datasets, tokenizers, training jobs and predictions, with no UI code.

Everything the web app does goes through this package, and every capability is scriptable through
`python -m engine` (see `engine/cli/`). `ARCHITECTURE.md` at the repository root
says which subpackage holds what and which may import which.
"""
