import pytest

@pytest.mark.style
def test_style_holds(style_run):
    style_run.assert_gate()
