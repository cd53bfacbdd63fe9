"""Messages between parties: how they are numbered and timed.

A formal message is identified by its originator's number and its date-time
group ("Mil 1582, T.O.O. 1216301"). Parties quote each other's date-time
groups to refer to messages, so the group must be read the same way by every
party and turned into one unambiguous instant; :mod:`liaison.messages.dtg`
does that, strictly, and refuses anything it would have to guess.
"""
