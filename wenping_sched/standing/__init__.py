"""An expert's standing as the draw and the pages weigh it: the year's panel load, credit points,
suspensions and leave. Reads only.

The credit package writes the credit records (evaluations, the ledger, suspensions, leave) and
runs their workflows, which reach up to panels and invitations; the draw (``solving``), the
expert pages and credit itself read the standing here, below all of them, so that no import
circle runs through credit.
"""
