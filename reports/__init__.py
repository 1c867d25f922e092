"""Renderers for saved results: they format, they compute nothing new."""
