"""Side-by-side timings of w90resp calculators against the diagonalization limit.

One process, one system, one k-grid.  Times:
  (a) limit: Fourier interpolation of H(k) on the grid (numpy FFT), batched eigh, and
      the band-basis rotation U^dagger O U of one dense operator;
  (b) WannierBerri's GME_spin_FermiSurf (velocity x spin at the Fermi surface);
  (c) w90resp FCIM, Eq. (34): all 45 components for L and S, NMU chemical potentials;
  (d) a straightforward per-k-point numpy loop of the same formula (timed on a subset
      of k-points and scaled to the grid; the subset size is printed);
  (e) the spin-MQM, orbital-ME and (2D systems) nonlinear-Hall families on the same grid.
Prints the ratios; the last line reads
  ratios: fcim/limit=X fcim/gme=Y loop/fcim=Z mqm/limit=U ome/limit=V nlh/limit=W
(c') is (c) with the point-group reduction of the K-points, as ``w90resp fcim`` runs by
default; the ratios above use (c) without it, on the same k-grid as (a).
Usage: python benchmarks/run.py [--quick] [--system mos2|mosse|supercell] [--nk N]
                                [--fft M] [--repeat R] [--workers W] [--scaling]
"""
import argparse
import os
import platform
import sys
import time
import tracemalloc

import numpy as np

NMU = 200


def quiet_run(fn, *a, **k):
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*a, **k)


def system(name):
    if name == "mos2":
        from w90resp.models.mos2 import mos2
        return mos2()
    if name == "mosse":
        from w90resp.io.wannier90 import load_wannier90
        from w90resp.symmetry.hamiltonian import symmetrize_hamiltonian
        here = os.path.dirname(os.path.abspath(__file__))
        # as `w90resp fcim --seedname` does by default: H(R) projected on the space group
        return symmetrize_hamiltonian(load_wannier90(os.path.join(here, "..", "data", "mosse", "MoSSe")))[0]
    if name == "supercell":
        from w90resp.models.mos2 import mos2
        return supercell(mos2(), 3)
    raise SystemExit(f"unknown system {name}")


def supercell(tb, n):
    """n x n in-plane supercell of ``tb`` (for scaling with num_wann)."""
    from w90resp.tb import TightBinding
    from w90resp.orbitals import Orbital
    cells = [(i, j) for i in range(n) for j in range(n)]
    nw = tb.num_wann
    lat = tb.real_lattice.copy()
    lat[0] *= n
    lat[1] *= n
    orbs = []
    for (i, j) in cells:
        shift = i * tb.real_lattice[0] + j * tb.real_lattice[1]
        for o in tb.orbitals:
            orbs.append(Orbital(o.site + len(tb.atoms) * (i * n + j), o.species, o.position + shift,
                                o.shell, o.orbital, o.spin))
    hop = {}
    for ci, (i, j) in enumerate(cells):
        for R, h in tb.hoppings.items():
            ti, tj = i + R[0], j + R[1]
            RS = (ti // n, tj // n, R[2])
            cj = cells.index((ti % n, tj % n))
            block = hop.setdefault(RS, np.zeros((nw * n * n, nw * n * n), complex))
            block[ci * nw:(ci + 1) * nw, cj * nw:(cj + 1) * nw] += h
    atoms = [(a[0], a[1] + i * tb.real_lattice[0] + j * tb.real_lattice[1]) for (i, j) in cells for a in tb.atoms]
    return TightBinding(name=f"{tb.name}-{n}x{n}", real_lattice=lat, orbitals=orbs, hoppings=hop,
                        periodic=tb.periodic, energy_unit=tb.energy_unit, length_unit=tb.length_unit,
                        atoms=atoms, quadrupole_sites=tb.quadrupole_sites)


def limit(tb, nk):
    """(a): H(R) -> H(k) by FFT on the nk x nk grid, batched eigh, one rotation."""
    nw = tb.num_wann
    grid = np.zeros((nk, nk, nw, nw), complex)
    for R, h in tb.hoppings.items():
        grid[R[0] % nk, R[1] % nk] += h
    Hk = np.fft.fftn(grid, axes=(0, 1)).reshape(-1, nw, nw)     # phases: convention II
    Hk = 0.5 * (Hk + np.conj(np.swapaxes(Hk, 1, 2)))
    E, U = np.linalg.eigh(Hk)
    O = tb.operators()["S"][2]
    rot = np.matmul(np.conj(np.swapaxes(U, 1, 2)), np.matmul(O, U))   # batched BLAS
    return E, rot


def fcim_loop(tb, kpts, mu, kT, eta):
    """(d): what a paper's script would do: one k-point at a time."""
    ops = tb.operators()
    out = {M: np.zeros((len(mu), 3, 3, 5)) for M in ("L", "S")}
    for k in kpts:
        H, dH = tb.hamiltonian(k[None], derivative=True)
        e, u = np.linalg.eigh(H[0])
        v = np.einsum("in,ijc,jn->nc", u.conj(), dH[0], u).real
        Q = np.einsum("in,cij,jn->nc", u.conj(), ops["Q"], u).real
        x = (e[None, :] - mu[:, None]) / kT
        fp = -1 / (kT * (np.exp(x / 2) + np.exp(-x / 2)) ** 2)
        for M in ("L", "S"):
            m = np.einsum("in,cij,jn->nc", u.conj(), ops[M], u).real
            out[M] += np.einsum("mn,na,nb,nc->mabc", fp, m, v, Q) / eta
    return out


def timed(fn, *a, repeat=3, **k):
    """Result and the best of ``repeat`` wall-clock timings (the machine may be shared)."""
    best = np.inf
    for _ in range(repeat):
        t = time.perf_counter()
        r = fn(*a, **k)
        best = min(best, time.perf_counter() - t)
    return r, best


def scaling():
    """FCIM (L and S, 200 mu) time and peak memory vs N_k (fixed FFT chunk 64x64) and vs
    num_wann (MoS2 n x n supercells at a fixed grid); prints one line per run."""
    from w90resp import runner
    from w90resp.responses.fcim import fcim_calculators
    from w90resp.models.mos2 import mos2
    base = mos2()
    mu = np.linspace(-1.5, 2.5, NMU)
    print("time vs N_k (MoS2, 22 WFs, FFT chunk 64x64):")
    for nk in (64, 128, 256, 512, 1024):
        calcs = fcim_calculators(base, mu, 0.05, 0.05, ("L", "S"))
        tracemalloc.start()
        _, t = timed(quiet_run, runner.run, base, calcs, nk, symmetry=False, max_fft=64, repeat=1)
        peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
        tracemalloc.stop()
        print(f"  N_k = {nk * nk:7d}: {t:8.2f} s, {1e6 * t / nk ** 2:6.1f} us per k-point, peak {peak:.0f} MiB")
    print("time vs num_wann (MoS2 n x n supercells, 24x24 grid):")
    for n in (1, 2, 3):
        tb = supercell(base, n) if n > 1 else base
        calcs = fcim_calculators(tb, mu, 0.05, 0.05, ("L", "S"))
        _, t = timed(quiet_run, runner.run, tb, calcs, 24, symmetry=False, max_fft=24, repeat=1)
        _, ta = timed(limit, tb, 24, repeat=1)
        print(f"  num_wann = {tb.num_wann:4d}: FCIM {t:8.2f} s, limit {ta:7.2f} s, ratio {t / ta:5.2f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small grid (about a minute on 2 cores)")
    ap.add_argument("--system", default="mos2", choices=["mos2", "mosse", "supercell"])
    ap.add_argument("--nk", type=int, default=None)
    ap.add_argument("--fft", type=int, default=None,
                    help="largest FFT sub-grid per K-point (default: the package default, 64)")
    ap.add_argument("--repeat", type=int, default=5,
                    help="timings of (a) and (c), interleaved; the best is reported (default 5)")
    ap.add_argument("--workers", type=int, default=0,
                    help="also time (c) with WannierBerri's Ray path on this many local workers")
    ap.add_argument("--scaling", action="store_true",
                    help="instead: FCIM time vs number of k-points and vs num_wann (supercells)")
    args = ap.parse_args(argv)
    if args.scaling:
        return scaling()
    from w90resp import runner
    nk = args.nk or (48 if args.quick else 240)
    fft = runner.grid_division(nk, args.fft or 64)[1]
    import wannierberri  # noqa: F401  (imported before timing)
    from w90resp.responses.fcim import fcim_calculators

    tb = system(args.system)
    e0 = np.linalg.eigvalsh(tb.hamiltonian(np.zeros((1, 3)))[0])
    mu = np.linspace(e0.min(), e0.max(), NMU)
    kT = eta = 0.05
    print(f"system {tb.name}: num_wann={tb.num_wann}, grid {nk}x{nk} = {nk * nk} k-points, "
          f"FFT sub-grid {fft}x{fft}, {NMU} chemical potentials")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {sys.version.split()[0]}, numpy {np.__version__}")

    system_wb = tb.to_wannierberri()

    def wb_run(calcs, symmetry=False, sys_=system_wb, parallel=False):
        return quiet_run(runner.run, tb, calcs, nk, symmetry=symmetry, max_fft=fft, system=sys_,
                         parallel=parallel)

    calcs = fcim_calculators(tb, mu, kT, eta, ("L", "S"))
    # (a) and (c) alternate, so that a slow phase of a shared machine hits both alike
    t_a, t_c = np.inf, np.inf
    for _ in range(1 if args.quick else args.repeat):
        t_a = min(t_a, timed(limit, tb, nk, repeat=1)[1])
        res, t = timed(wb_run, calcs, repeat=1)
        t_c = min(t_c, t)
    print(f"(a) limit (FFT + eigh + 1 rotation):  {t_a:8.2f} s")

    from wannierberri.calculators.static import GME_spin_FermiSurf
    _, t_b = timed(wb_run, {"gme": GME_spin_FermiSurf(Efermi=mu, tetra=False)}, repeat=1)
    print(f"(b) WannierBerri GME_spin_FermiSurf:  {t_b:8.2f} s")
    print(f"(c) w90resp FCIM (L and S, 45 comp.): {t_c:8.2f} s")
    sys_sym = runner.prepare_system(tb, symmetry=True)
    res_sym, t_cs = timed(wb_run, calcs, symmetry=True, sys_=sys_sym, repeat=3)
    dev = max(np.abs(res_sym[k] - res[k]).max() / np.abs(res[k]).max() for k in res)
    print(f"(c') the same with the point-group reduction (as `w90resp fcim` runs by default): "
          f"{t_cs:6.2f} s, max deviation from (c) {dev:.1e} (relative)")

    nsub = nk * nk if args.quick else min(nk * nk, 2000)
    rng = np.random.default_rng(0)
    allk = np.stack(np.meshgrid(np.arange(nk), np.arange(nk), indexing="ij"), -1).reshape(-1, 2) / nk
    sub = allk[rng.choice(len(allk), nsub, replace=False)] if nsub < len(allk) else allk
    sub = np.hstack([sub, np.zeros((len(sub), 1))])
    nrep = 1 if args.quick else 3
    _, t_sub = timed(fcim_loop, tb, sub, mu, kT, eta, repeat=nrep)
    t_d = t_sub * (nk * nk) / nsub
    print(f"(d) per-k numpy loop:                 {t_d:8.2f} s   ({nsub} k-points timed, best of "
          f"{nrep}, scaled)")
    print(f"    loop/limit={t_d / t_a:.3g}  loop/fcim_with_symmetry={t_d / t_cs:.3g}")

    t_e = {}
    from w90resp.responses.spin_mqm import SpinMQM
    from w90resp.responses.orbital_me import OrbitalME
    spin = tb.operators()["S"]
    mqm = {q: SpinMQM(q, spin, mu, kT, cell_measure=tb.cell_measure)
           for q in ("alpha", "M", "Tbeta_kubo", "Tbeta")}
    _, t_e["mqm"] = timed(wb_run, mqm)
    print(f"(e) spin-MQM family (alpha, M, Tbeta~, Tbeta): {t_e['mqm']:6.2f} s")
    ome = {q: OrbitalME(q, mu, kT, tb.cell_measure) for q in ("chi", "alpha")}
    _, t_e["ome"] = timed(wb_run, ome)
    print(f"(e) orbital-ME family (chi, alpha):       {t_e['ome']:6.2f} s")
    if tb.dimension == 2:
        from w90resp.responses.nonlinear_hall import calculators as nlh_calculators
        _, t_e["nlh"] = timed(wb_run, nlh_calculators(mu, kT, tb.cell_measure))
        print(f"(e) nonlinear Hall family (chi, Eqs. 27-29, 4 quantities): {t_e['nlh']:6.2f} s")

    # memory flat in N_k: the same FFT chunk, 4x the K-points
    small = fcim_calculators(tb, mu, kT, eta, ("L", "S"))
    peaks = []
    for mult in (1, 2):
        tracemalloc.start()
        quiet_run(runner.run, tb, small, fft * mult, symmetry=False, max_fft=fft)
        peaks.append(tracemalloc.get_traced_memory()[1] / 2 ** 20)
        tracemalloc.stop()
    print(f"peak traced memory, FCIM, FFT chunk {fft}x{fft}: {peaks[0]:.0f} MiB for {fft}^2 k-points, "
          f"{peaks[1]:.0f} MiB for {(2 * fft)}^2 k-points")

    if args.workers:
        t0 = time.perf_counter()
        ncpu = runner.start_parallel(args.workers)
        t_start = time.perf_counter() - t0
        try:
            par, t_p = timed(wb_run, calcs, parallel=True, repeat=3)
        finally:
            runner.stop_parallel()
        dev = max(np.abs(par[k] - res[k]).max() / np.abs(res[k]).max() for k in res)
        print(f"(c) on {ncpu} Ray workers: {t_p:.2f} s (Ray start-up {t_start:.1f} s, once per "
              f"session), speed-up {t_c / t_p:.2f}x over serial, max deviation {dev:.1e} (relative)")

    def r(x):
        return f"{x:.3g}" if x is not None else "nan"
    ratios = dict(fcim_limit=t_c / t_a, fcim_gme=t_c / t_b, loop_fcim=t_d / t_c,
                  mqm_limit=t_e["mqm"] / t_a if "mqm" in t_e else None,
                  ome_limit=t_e["ome"] / t_a if "ome" in t_e else None,
                  nlh_limit=t_e["nlh"] / t_a if "nlh" in t_e else None)
    print(f"ratios: fcim/limit={r(ratios['fcim_limit'])} fcim/gme={r(ratios['fcim_gme'])} "
          f"loop/fcim={r(ratios['loop_fcim'])} mqm/limit={r(ratios['mqm_limit'])} "
          f"ome/limit={r(ratios['ome_limit'])} nlh/limit={r(ratios['nlh_limit'])}")


if __name__ == "__main__":
    main()
