"""Scenarios: a documented file format for a coalition's history, replayed through the services.

How the parts fit:

* :mod:`~liaison.scenario.schema` — the file format ``liaison-scenario/1`` as pydantic models:
  parties, members with roles and mandates, and a timeline of events (a note, a message drafted,
  approved, sent; an agreement proposed, consulted on, signed; a meeting recorded and each
  party's account of it; an operation, a unit, a control measure; a conflict acknowledged and
  arranged), each with the time it happens and the passage of a document it comes from.
* :mod:`~liaison.scenario.validate` — reads a file and checks it whole, before anything is
  loaded: a bad file is refused with the path of every bad field
  (:class:`~liaison.scenario.errors.ScenarioError`).
* :mod:`~liaison.scenario.clock` — the node's clock during a load: a scenario's times are the
  node's append times.
* :mod:`~liaison.scenario.loader` — replays the timeline through the real services (roster,
  record, messages, agreements, meetings, picture), never writing an entry by hand; members sign
  on their own side with the key files the roster gave them.
* :mod:`~liaison.scenario.replay` — the same, paced, in a background thread while the node
  serves it, so that the record unfolds in the browser.
* :mod:`~liaison.scenario.synthetic` — a generated scenario of any size, for trying the system at
  scale.

``scenarios/1943-44.json`` is the scenario ``liaison demo`` loads; ``docs/scenario-format.md``
describes the format.
"""

from liaison.scenario.clock import ScenarioClock, create_node
from liaison.scenario.errors import Problem, ScenarioError
from liaison.scenario.loader import Loader, LoadResult, Step, load, load_new
from liaison.scenario.replay import Replay
from liaison.scenario.schema import FORMAT, Scenario
from liaison.scenario.synthetic import synthetic_scenario
from liaison.scenario.validate import parse_scenario, read_scenario

__all__ = [
    "FORMAT",
    "LoadResult",
    "Loader",
    "Problem",
    "Replay",
    "Scenario",
    "ScenarioClock",
    "ScenarioError",
    "Step",
    "create_node",
    "load",
    "load_new",
    "parse_scenario",
    "read_scenario",
    "synthetic_scenario",
]
