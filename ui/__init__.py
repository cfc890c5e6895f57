"""Finetune Studio's web UI: one module per tab, each a thin layer over `engine`."""
