"""Reusable widgets: plots, table models, problem lists, prediction views."""
