"""The model: module state followed across warm invocations (N, then N+1), and into the environments a SnapStart snapshot restores.
Takes the linked project, its handlers and the catalogues; gives what each invocation leaves and meets.
Must not touch syntax trees, files or diagnostics: checks turn its results into findings.
"""
