"""The reference observations: recorded by ``grade build`` (:mod:`.store`), or computed by
running the solution (:mod:`.resolve`)."""
