"""Where data comes from: the simulated league (default) or the live NBA.com and Odds API clients.

A source answers with the real APIs' JSON shapes, so Phase 2 parses both with the same code.
"""
