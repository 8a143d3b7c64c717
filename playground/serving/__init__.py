"""Serving: many people's jobs on one server, for any task.

A job in a daemon thread (jobs) or as an actor on a Ray cluster (ray_jobs, ray_worker, the only
code that imports ray), the manager with its owners, queue and limits (manager), what a restart
says (journal), a job's live view built once per new data for all who watch it (live_view) and
its curves (curves).

May import: exchange, engine.
"""
