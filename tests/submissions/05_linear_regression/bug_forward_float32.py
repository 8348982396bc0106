"""Bug: forward returns float32 whatever the dtype of x and the parameters."""

_Solution = LinearRegression  # noqa: F821 - the reference solution's, above this overlay


class LinearRegression(_Solution):
    def forward(self, x):
        return (x @ self.w + self.b).float()
