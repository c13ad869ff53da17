"""``advisor ask``: the interactive questionnaire.

- ``questionnaire.yaml`` / ``questionnaire.py``: the questions as data, checked against the contract;
- ``answers.py``: what a typed line means (value, choice number, several values, help, back);
- ``fields.py``: single-field validation with the profile's own normalisers;
- ``present.py`` and ``messages.yaml``: what is shown, in Chinese and English;
- ``session.py``: the question loop; ``profile_file.py``: ``--from``, ``--save`` and drafts.
"""
