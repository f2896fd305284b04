"""Decision analysis around one plan: the largest force over levers, what it would take, who
drops out, what the enablers are worth, and runs side by side.

It sits above the optimiser and the experiment: every answer is a set of re-solved (and, where
asked, re-simulated) scenario variants. The optimiser is reached only through
``analysis.solver`` (the one adapter to the burden-sharing model).
"""
