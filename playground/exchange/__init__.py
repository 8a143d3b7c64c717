"""Exchange: runs on disk and runs that travel, for any task.

Run folders written (run_files) and read back, indexed, copied, shared and counted against the
quota (runs), the runs table (run_table), bundles made (bundles) and imported safely
(bundle_import, weights_check: a safetensors header checked before loading), the curves as a
PNG (png_chart). What differs by task (its spec and settings, model card, script, ONNX file)
is asked of the run's task.

May import: engine.
"""
