"""Datasets as a user works with them: loading, browsing, searching, checking, shaping and exporting.

`sources` loads a bundled sample, a file, a folder or a Hub id as a `DatasetDict` and resolves its columns;
`session` is the dataset a user has open (source plus shaping steps); `view`, `overview`, `search`, `sql`, `stats`,
`shaping`, `tokenize_preview` and `export` each answer one question about it (a SQL query runs in a child process,
`sql_child`). It may import `common` only.
"""
