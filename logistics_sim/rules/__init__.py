"""Pure rules that derive planning quantities from a scenario, each computed in one place.

The engine, the optimiser, validation and the report all read these quantities; none of
them recomputes one. Nothing here runs a simulation or a solver.
"""
