"""``grade batch``: a class graded in parallel, locally or on a Dask cluster, into a
resumable gradebook."""
