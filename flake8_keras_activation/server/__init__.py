"""The language server: the analysis and the fixer behind the Language Server Protocol."""
