"""The compiled path: trace a model once into a typed graph, transform it, run it many times."""
