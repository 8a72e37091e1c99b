"""The task ledger (工作任务台账): work assigned to sections and people (``worklist.*``, R10.3)."""
