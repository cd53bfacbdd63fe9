"""Accounts of meetings, and where they diverge.

Each party keeps its own record of a meeting, and the records disagree: Clark
Kerr's and Molotov's accounts of 20 February 1943 differ on what was asked;
Eden's and Maisky's of 10 March 1943 each have the other man raising the German
question. Liaison keeps every unilateral account side by side and never treats
one as agreed (DESIGN.md, invariant 3). :mod:`liaison.accounts.model` holds the
accounts; :mod:`liaison.accounts.divergence` shows, finding by finding and in a
deterministic report that can be signed, where they differ, so that the parties
know exactly what an agreed record would have to settle.
"""
