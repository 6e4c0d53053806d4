"""Running w90resp calculators through WannierBerri's k-sum framework.

One place decides the grid (FFT sub-grid x K-points), the point group used to reduce
the K-points and symmetrize results (from spglib on the structure), and where
WannierBerri's scratch files go; the response modules only define calculators.
"""
import contextlib
import io
import os
import tempfile

import numpy as np


def grid_division(nk, max_fft=64):
    """Split ``nk`` points per direction into NKdiv x NKFFT with NKFFT <= max_fft."""
    nk = int(nk)
    if nk < 1:
        raise ValueError("nk must be a positive integer")
    for d in range(1, nk + 1):
        if nk % d == 0 and nk // d <= max_fft:
            return d, nk // d
    return nk, 1


def prepare_system(tb, symmetry=True, symprec=None):
    """WannierBerri system of ``tb`` with its point group found from the structure.

    With ``symmetry`` and atoms known, spglib finds the operations with ``symprec``
    (default :data:`~w90resp.symmetry.structure.DEFAULT_SYMPREC`, the tolerance of the
    symmetry table and of the Hamiltonian symmetrizer, so all three use one group); with
    ``tb.magnetic_moments`` the magnetic group (operations that reverse the moments carry
    time reversal), otherwise the grey group (time reversal added).
    """
    system = tb.to_wannierberri()
    if symmetry and tb.atoms:
        system.pointgroup = point_group_for_wannierberri(tb, system, symprec)
    return system


def point_group_for_wannierberri(tb, system, symprec=None):
    """``wannierberri.symmetry.point_symmetry.PointGroup`` of ``tb`` (see prepare_system)."""
    import spglib
    from wannierberri.symmetry.point_symmetry import PointGroup, PointSymmetry, TimeReversal
    from .symmetry.structure import DEFAULT_SYMPREC
    symprec = DEFAULT_SYMPREC if symprec is None else symprec
    lat = np.asarray(tb.real_lattice, float)
    labels = [a[0] for a in tb.atoms]
    species = sorted(set(labels))
    numbers = [species.index(x) for x in labels]
    pos = np.array([a[1] for a in tb.atoms]) @ np.linalg.inv(lat)
    moments = getattr(tb, "magnetic_moments", None)
    if moments is None:
        sym = spglib.get_symmetry((lat, pos, numbers), symprec=symprec)
        trs = [False] * len(sym["rotations"])
    else:
        sym = spglib.get_magnetic_symmetry((lat, pos, numbers, np.asarray(moments, float)),
                                           symprec=symprec)
        trs = [bool(t) for t in sym["time_reversals"]]
    ops = []
    for W, tr in zip(sym["rotations"], trs):
        # spglib rotations act on reduced real-space coordinates; WannierBerri wants the
        # Cartesian reciprocal-space form, the transpose of the Cartesian rotation
        ops.append(PointSymmetry((lat.T @ W @ np.linalg.inv(lat).T).T, TR=tr))
    if moments is None:
        ops.append(TimeReversal)
    return PointGroup(ops, recip_lattice=system.recip_lattice, real_lattice=system.real_lattice)


#: k-points of one FFT chunk (WannierBerri's NKFFT grid) that the default chunking aims
#: at when no memory budget is given: 64 x 64 in 2D, 16^3 in 3D.
CHUNK_POINTS = 4096
#: complex (nw x nw) matrices held per k-point of a chunk while the calculators run
#: (H and its eigenvectors, velocities, on-site operators in the band basis, products):
#: an estimate used to turn a memory budget into a chunk size
MATRICES_PER_POINT = 48


def chunk_points(tb, max_memory=None):
    """k-points per FFT chunk: ``CHUNK_POINTS``, or as many as ``max_memory`` bytes hold
    at MATRICES_PER_POINT complex nw x nw matrices per point (at least 8)."""
    if max_memory is None:
        return CHUNK_POINTS
    per_point = MATRICES_PER_POINT * 16 * tb.num_wann ** 2
    return int(max(8, max_memory // per_point))


def default_max_fft(tb, max_memory=None):
    """Largest FFT size per direction for ``tb`` (:func:`chunk_points` per chunk)."""
    dim = max(1, sum(bool(p) for p in tb.periodic))
    return max(2, int(chunk_points(tb, max_memory) ** (1.0 / dim) + 1e-9))


def grid_label(tb, nk):
    """'96x96' for a 2D sheet, '16x16x16' in 3D."""
    return "x".join(str(int(nk)) for p in tb.periodic if p)


def make_grid(tb, system, nk, max_fft=None, max_memory=None):
    """A ``wannierberri.Grid`` with ``nk`` points along each periodic direction, cut into
    FFT chunks of at most ``max_fft`` points per direction (default: :func:`default_max_fft`)."""
    import wannierberri as wb
    if max_fft is None:
        max_fft = default_max_fft(tb, max_memory)
    nk3 = [int(nk) if p else 1 for p in tb.periodic]
    divs = [grid_division(n, max_fft) for n in nk3]
    return wb.Grid(system, NKdiv=[d[0] for d in divs], NKFFT=[d[1] for d in divs])


def start_parallel(workers=None, address=None):
    """Start Ray for WannierBerri's parallel k-sum, with w90resp importable on workers.

    ``workers``: number of local worker processes (a local Ray instance is started);
    ``address``: an existing cluster instead, e.g. ``"auto"`` on a node of a Ray cluster
    started with ``ray start --head`` / ``ray start --address=HEAD:6379`` or by
    ``python -m wannierberri.utils.cluster`` batch scripts.  Ray ships the w90resp and
    wannierberri package directories to the workers (``runtime_env["py_modules"]``).
    Returns the number of CPUs Ray reports.
    """
    try:
        import ray
    except ImportError:
        raise ImportError("parallel runs need Ray: pip install 'w90resp[parallel]'") from None
    from wannierberri.parallel import ray_init, get_ray_cpus_count
    pkg = os.path.dirname(os.path.abspath(__file__))
    if not ray.is_initialized():
        kwargs = {"runtime_env": {"py_modules": [pkg]}, "include_dashboard": False,
                  "log_to_driver": False}
        if address is not None:
            kwargs["address"] = address
        else:
            kwargs["num_cpus"] = workers
        ray_init(**kwargs)
    return get_ray_cpus_count()


def stop_parallel():
    """Shut Ray down (if it was started)."""
    from wannierberri.parallel import ray_shutdown
    ray_shutdown()


def run(tb, calculators, nk, symmetry=True, use_irred_kpt=None, max_fft=None,
        progress=False, system=None, parallel=False, symprec=None, max_memory=None):
    """Evaluate ``calculators`` (dict name -> WannierBerri calculator) on an nk grid.

    Returns a dict name -> data array (e.g. (nmu, 3, 3, ...)) summed over the grid,
    symmetrized over the point group when ``symmetry`` is on.  WannierBerri's files
    go to a temporary directory; its console output is shown only with ``progress``.
    With ``parallel`` (after :func:`start_parallel`) the K-points are distributed over
    the Ray workers; the results are the same as serial ones.  ``symprec``: spglib
    tolerance (Angstrom) of the point group (see :func:`prepare_system`); ``max_memory``:
    bytes a chunk may use (sets the FFT chunk, :func:`chunk_points`).
    """
    import wannierberri as wb
    if system is None:
        system = prepare_system(tb, symmetry=symmetry, symprec=symprec)
    grid = make_grid(tb, system, nk, max_fft=max_fft, max_memory=max_memory)
    if use_irred_kpt is None:
        use_irred_kpt = symmetry
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="w90resp_") as tmp:
        sink = contextlib.nullcontext() if progress else contextlib.redirect_stdout(io.StringIO())
        try:
            os.chdir(tmp)
            with sink:
                result = wb.run(system, grid, calculators,
                                use_irred_kpt=bool(use_irred_kpt and symmetry),
                                symmetrize=bool(symmetry),
                                fout_name=os.path.join(tmp, "wb"),
                                file_Klist_path=os.path.join(tmp, "klist"),
                                print_progress_step_time=5 if progress else 1e9,
                                print_progress_step_percent=10 if progress else 100,
                                parallel=bool(parallel))
        finally:
            os.chdir(cwd)
    return {name: np.array(r.data) for name, r in result.results.items()}
