"""Service outlets (网点) and partner outlets: the organisations serving their areas."""
