"""The direct path: each job's steps (load → compute → write → commit → notify) as plain functions.

The CLI calls these without importing Prefect; :mod:`ceremonies.tasks` wraps the same steps as Prefect tasks
and the flows in ``flows/`` wire them like a recipe.
"""
