"""The simulation engine: one replication of a scenario as SimPy processes.

It knows a validated ``Scenario``, an allocation and the random generators it is handed; it
reads no files, prints nothing and never imports the optimiser, the experiment or the report.
``model.run_replication`` is its one entry point for the layers above.
"""
