function s = load_sweep(path, varargin)
%LOAD_SWEEP  Read an hnn-mpi output file (SPEC section 3) into a struct.
%
%   s = load_sweep(path)
%   s = load_sweep(path, 'dipoles', false)   % do not read /dipole/* whole
%   s = load_sweep(path, 'spikes', false)    % do not read /spikes/*
%   s = load_sweep(path, 'recordings', true) % also read /vsec, /isec, /ca whole
%
%   Uses only h5info, h5read and h5readatt (base MATLAB, R2011a or later).
%
%   DIMENSION ORDER. HDF5 stores arrays in C (row-major) order and MATLAB
%   reads them with their dimensions reversed: /dipole/agg, written as
%   [n_sims, n_trials, n_times], comes out of h5read as
%   [n_times, n_trials, n_sims], and /summary/<stat> [n_sims, n_trials] as
%   [n_trials, n_sims]. load_sweep permutes them back, so that indices are
%   those of the file and of Python: s.dipole.agg(sim, trial, :) and
%   s.summary.dipole_max(sim, trial). Simulations and trials are numbered
%   from 1 here, from 0 in Python (simulation i here is i-1 in h5py).
%
%   Fields of s:
%     path, config        the file; the TOML text of the run (root attribute)
%     attrs               every root attribute (format, version, git_commit,
%                         config, n_sims, n_trials, n_times, tstop, dt,
%                         mpi_ranks, created, hostname, ...): strings as char,
%                         numbers as double
%     n_sims, n_trials, n_times
%     times               [n_times x 1] ms
%     param_names         {1 x n_params} names as in the file
%     params.<name>       [n_sims x 1] swept value of each simulation
%                         (a name that is not a MATLAB identifier is made one
%                         with matlab.lang.makeValidName)
%     dipole.agg, .L2, .L5  [n_sims x n_trials x n_times] nAm, unsmoothed,
%                         unscaled; NaN for pending/failed simulations.
%                         Absent with 'dipoles', false or when the run did
%                         not save dipoles (dipole.units holds the unit).
%     read_dipole(sim, trial, layer)  [n_times x 1] one dipole read from the
%                         file on demand (layer 'agg' (default), 'L2', 'L5')
%     summary.<stat>      [n_sims x n_trials] ([summary] stats of the config)
%     summary_units.<stat>
%     status              [n_sims x 1] uint8: 0 pending, 1 done, 2 failed
%     done                [n_sims x 1] logical, status == 1
%     errors              {n_sims x 1} failure messages ('' when none)
%     spikes.times, spikes.gids, spikes.offsets   the CSR as stored (offsets
%                         are 0-based, [n_sims*n_trials+1 x 1]); spikes.valid
%                         is false for an interrupted run (offsets(end) = -1)
%     spikes_of(sim, trial)  [times, gids] of one simulation and trial
%                         (column vectors; 1-based sim and trial)
%     cells.names, cells.start, cells.stop   /cells/gid_ranges: cell type
%                         (and drive) k holds gids start(k) <= gid < stop(k)
%     cell_type_of(gid)   name of the cell type holding gid
%     vsec.<name>, isec.<name>, ca.<name>   the section recordings (name soma
%                         or all): .gids [n_traces x 1], .sections {n_traces
%                         x 1}, .units ('mV', 'nA', 'mM'); isec also
%                         .receptors and .keys (hnn-core's section_receptor
%                         keys); with 'recordings', true also .values
%                         [n_sims x n_trials x n_traces x n_times] (single;
%                         isec_all is large: 180 MB per simulation and trial
%                         on a 10x10 network)
%     read_recording(group, name, sim, trial)  [n_traces x n_times] one
%                         simulation and trial of /group/name read from the
%                         file on demand, e.g. read_recording('isec', 'all', 1, 1)
%     lfp.<name>          [n_sims x n_trials x n_contacts x n_times] uV, the
%                         potential of each electrode array (absent without
%                         arrays); lfp_info.<name>.positions [n_contacts x 3]
%                         um, .conductivity (S/m), .method, .min_distance (um)
%
%     fit                 a fit's file only (docs/output_format.md §13):
%                         .objective, .generation [n_sims x 1] (NaN / -1 in
%                         rows not evaluated), .solver, .objective_name,
%                         .stop_reason ('' until the search stops), .n_evals,
%                         .best (1-based row), .best_objective,
%                         .target_times, .target_agg (the target dipole);
%                         params.<name> are then NaN in rows not evaluated
%
%   Example: figure (b) of hnn-core's Batch Simulation example, the min and
%   max of the 30 ms-smoothed aggregate dipole against weight_basket:
%
%     s = load_sweep('results/seed_example.h5');
%     ok = s.done;                                   % skip pending/failed
%     [w, k] = sort(s.params.weight_basket(ok));
%     mn = s.summary.dipole_min(ok, 1);              % trial 1
%     mx = s.summary.dipole_max(ok, 1);
%     figure;
%     semilogx(w, mn(k), w, mx(k));
%     legend('Min Dipole Peak', 'Max Dipole Peak');
%     xlabel('weight\_basket: synaptic strength (\muS)');
%     ylabel('Dipole Peak Magnitude (nAm)');
%     title('Min and Max Dipole Peaks across Simulations'); grid on;
%
%   and figure (a), the overlay (hnn-core's Dipole.smooth(30) is
%   load_sweep('smooth', x, 30, sfreq); MATLAB's conv(..., 'same') is one
%   sample off numpy's for even windows, so use this helper):
%
%     sfreq = 1000 / (s.times(2) - s.times(1));
%     c = log10(s.params.weight_basket);
%     cmap = parula(256); figure; hold on;
%     for i = find(s.done).'
%       y = load_sweep('smooth', squeeze(s.dipole.agg(i, 1, :)), 30, sfreq);
%       j = 1 + round(255 * (c(i) - min(c)) / max(max(c) - min(c), eps));
%       plot(s.times, y, 'Color', cmap(j, :), 'LineWidth', 2);
%     end
%     colormap(cmap); caxis([min(c) max(c)]); cb = colorbar;
%     ylabel(cb, 'log10(weight\_basket)');
%     xlabel('Time (ms)'); ylabel('Dipole Amplitude (nAm)');
%     title('Overlay of Dipole Waveforms'); grid on;
%
%   y = load_sweep('smooth', x, window_ms, sfreq) is hnn-core 0.6.1's
%   smooth_waveform: x convolved ('same', as numpy) with a Hamming window of
%   round(window_ms * sfreq / 1000) samples normalised to sum 1.

if strcmp(path, 'smooth')
    s = hnn_smooth(varargin{:});
    return;
end

opts = struct('dipoles', true, 'spikes', true, 'recordings', false);
for k = 1:2:numel(varargin)
    key = lower(varargin{k});
    if ~isfield(opts, key) || k == numel(varargin)
        error('load_sweep:args', 'unknown option or missing value: %s', ...
              to_char(varargin{k}));
    end
    opts.(key) = logical(varargin{k + 1});
end

if ~exist(path, 'file')
    error('load_sweep:file', '%s: no such file', path);
end
info = h5info(path);
has = dataset_set(info, '');

s = struct();
s.path = path;

% ---------------------------------------------------------- root attributes
s.attrs = struct();
for k = 1:numel(info.Attributes)
    name = info.Attributes(k).Name;
    v = h5readatt(path, '/', name);
    if isnumeric(v)
        v = double(v);
    else
        v = to_char(v);
    end
    s.attrs.(matlab.lang.makeValidName(name)) = v;
end
if ~isfield(s.attrs, 'format') || ~strncmp(s.attrs.format, 'hnn-mpi/', 8)
    warning('load_sweep:format', '%s: no format attribute hnn-mpi/1', path);
end
s.config = get_field(s.attrs, 'config', '');
s.n_sims = get_field(s.attrs, 'n_sims', NaN);
s.n_trials = get_field(s.attrs, 'n_trials', NaN);

% --------------------------------------------------------------- /times
s.times = h5read(path, '/times');
s.times = s.times(:);
s.n_times = numel(s.times);

% -------------------------------------------------------------- /params
s.param_names = {};
s.params = struct();
for name = group_datasets(info, '/params')
    v = h5read(path, ['/params/' name{1}]);
    s.param_names{end + 1} = name{1};
    s.params.(matlab.lang.makeValidName(name{1})) = v(:);
end
if isnan(s.n_sims) && ~isempty(s.param_names)
    s.n_sims = numel(s.params.(matlab.lang.makeValidName(s.param_names{1})));
end

% -------------------------------------------------------------- /dipole
% file [n_sims, n_trials, n_times] -> h5read [n_times, n_trials, n_sims]
% -> permute(., [3 2 1]) -> [n_sims, n_trials, n_times]
layers = {'agg', 'L2', 'L5'};
if any(strcmp(has, '/dipole/agg'))
    s.dipole = struct();
    s.dipole.units = to_char(h5readatt(path, '/dipole/agg', 'units'));
    if opts.dipoles
        for k = 1:numel(layers)
            ds = ['/dipole/' layers{k}];
            if any(strcmp(has, ds))
                s.dipole.(layers{k}) = permute(h5read(path, ds), [3 2 1]);
            end
        end
    end
    s.read_dipole = @(sim, trial, varargin) read_one_dipole(path, sim, trial, varargin{:});
end

% ----------------------------------------------------------------- /lfp
% file [n_sims, n_trials, n_contacts, n_times] -> h5read reversed
% -> permute(., [4 3 2 1]); positions [n_contacts, 3] -> h5readatt [3, n]
for name = group_datasets(info, '/lfp')
    ds = ['/lfp/' name{1}];
    field = matlab.lang.makeValidName(name{1});
    s.lfp.(field) = permute(h5read(path, ds), [4 3 2 1]);
    s.lfp_info.(field) = struct( ...
        'positions', h5readatt(path, ds, 'positions')', ...
        'conductivity', double(h5readatt(path, ds, 'conductivity')), ...
        'method', to_char(h5readatt(path, ds, 'method')), ...
        'min_distance', double(h5readatt(path, ds, 'min_distance')));
end

% ------------------------------------------------------------- /summary
% file [n_sims, n_trials] -> h5read [n_trials, n_sims] -> transpose
s.summary = struct();
s.summary_units = struct();
for name = group_datasets(info, '/summary')
    ds = ['/summary/' name{1}];
    v = h5read(path, ds);
    field = matlab.lang.makeValidName(name{1});
    s.summary.(field) = reshape(permute(v, [2 1]), s.n_sims, []);
    try
        s.summary_units.(field) = to_char(h5readatt(path, ds, 'units'));
    catch
        s.summary_units.(field) = '';
    end
end

% ------------------------------------------------------ /status, /errors
s.status = uint8(h5read(path, '/status'));
s.status = s.status(:);
s.done = s.status == 1;
if any(strcmp(has, '/errors'))
    e = h5read(path, '/errors');
    if ischar(e)
        e = cellstr(e);   % fixed-length strings come as a char matrix
    end
    s.errors = cellfun(@to_char, e(:), 'UniformOutput', false);
else
    s.errors = repmat({''}, s.n_sims, 1);
end
% ----------------------------------------------------------------- /fit
% A fit's file (docs/output_format.md §13): rows from n_evals on were never
% asked for once the search has stopped (status 0, NaN).
n_rows = s.n_sims;
if any(strcmp(has, '/fit/objective'))
    s.fit.objective = h5read(path, '/fit/objective');
    s.fit.objective = s.fit.objective(:);
    s.fit.generation = double(h5read(path, '/fit/generation'));
    s.fit.generation = s.fit.generation(:);
    for a = {'solver', 'objective', 'stop_reason'}
        s.fit.(['attr_' a{1}]) = to_char(h5readatt(path, '/fit', a{1}));
    end
    s.fit.solver = s.fit.attr_solver;
    s.fit.objective_name = s.fit.attr_objective;
    s.fit.stop_reason = s.fit.attr_stop_reason;
    s.fit = rmfield(s.fit, {'attr_solver', 'attr_objective', 'attr_stop_reason'});
    s.fit.n_evals = double(h5readatt(path, '/fit', 'n_evals'));
    % 1-based, as MATLAB indexes (0 when no evaluation succeeded)
    s.fit.best = double(h5readatt(path, '/fit', 'best_index')) + 1;
    s.fit.best_objective = double(h5readatt(path, '/fit', 'best_objective'));
    if any(strcmp(has, '/fit/target_agg'))
        s.fit.target_times = h5read(path, '/fit/target_times');
        s.fit.target_agg = h5read(path, '/fit/target_agg');
    end
    if ~isempty(s.fit.stop_reason)
        n_rows = s.fit.n_evals;
    end
end

n_pending = sum(s.status(1:n_rows) == 0);
n_failed = sum(s.status == 2);
if n_pending || n_failed
    warning('load_sweep:incomplete', ...
            '%s: %d simulation(s) pending, %d failed (see s.status, s.errors)', ...
            path, n_pending, n_failed);
end

% --------------------------------------------------------------- /cells
if any(strcmp(has, '/cells/gid_ranges'))
    g = h5read(path, '/cells/gid_ranges');   % compound -> struct of arrays
    names = g.name;
    if ischar(names)
        names = cellstr(names);
    end
    s.cells.names = cellfun(@to_char, names(:), 'UniformOutput', false).';
    s.cells.start = double(g.start(:)).';
    s.cells.stop = double(g.stop(:)).';
    cells = s.cells;
    s.cell_type_of = @(gid) cell_type_of(cells, gid);
end

% -------------------------------------------------------------- /spikes
if opts.spikes && any(strcmp(has, '/spikes/offsets'))
    s.spikes.times = h5read(path, '/spikes/times');
    s.spikes.gids = h5read(path, '/spikes/gids');
    s.spikes.offsets = h5read(path, '/spikes/offsets');
    s.spikes.times = s.spikes.times(:);
    s.spikes.gids = s.spikes.gids(:);
    s.spikes.offsets = s.spikes.offsets(:);
    % The CSR is valid once the run closed the file: its last offset is not
    % -1 (the group /spikes/_pending, hnn-mpi's work area, is not for
    % reading). An interrupted run's CSR is rebuilt by hnn-mpi --resume.
    s.spikes.valid = ~isempty(s.spikes.offsets) && s.spikes.offsets(end) >= 0;
    if ~s.spikes.valid
        warning('load_sweep:spikes', ['%s: the spike CSR is not built (the run ' ...
                'was interrupted; finish it with hnn-mpi --resume)'], path);
    end
    sp = s.spikes;
    n_trials = s.n_trials;
    s.spikes_of = @(sim, trial) spikes_of(sp, n_trials, sim, trial);
end

% ------------------------------------------------------ /vsec, /isec, /ca
% file [n_sims, n_trials, n_traces, n_times] -> h5read [n_times, n_traces,
% n_trials, n_sims] -> permute(., [4 3 2 1])
groups = {'vsec', 'isec', 'ca'};
for g = 1:numel(groups)
    group = groups{g};
    for name = group_datasets(info, ['/' group])
        base = ['/' group '/' name{1}];
        if ~any(strcmp(has, [base '_gids']))
            continue;   % a label dataset (_gids, _sections, _receptors)
        end
        r = struct();
        r.gids = double(h5read(path, [base '_gids']));
        r.gids = r.gids(:);
        r.sections = strings_of(h5read(path, [base '_sections']));
        if strcmp(group, 'isec')
            r.receptors = strings_of(h5read(path, [base '_receptors']));
            r.keys = strcat(r.sections, '_', r.receptors);
        end
        r.units = to_char(h5readatt(path, base, 'units'));
        if opts.recordings
            r.values = permute(h5read(path, base), [4 3 2 1]);
        end
        s.(group).(name{1}) = r;
    end
end
s.read_recording = @(group, name, sim, trial) read_one_recording(path, group, name, sim, trial);
end

% =================================================================== helpers

function y = hnn_smooth(x, window_ms, sfreq)
% hnn-core 0.6.1 smooth_waveform: numpy.convolve(x, w, 'same') with
% w = hamming(round(window_ms * sfreq / 1000)) / sum(w).
m = round(1e-3 * window_ms * sfreq);   % numpy rounds halves to even; equal
                                       % for every window of a whole ms
if m < 1 || m > numel(x)
    error('load_sweep:smooth', 'window of %d samples for %d samples of data', ...
          m, numel(x));
end
if m == 1
    w = 1;
else
    w = 0.54 - 0.46 * cos(2 * pi * (0:m - 1).' / (m - 1));   % numpy.hamming
end
w = w / sum(w);
full = conv(x(:), w);
% numpy's 'same' keeps full((m-1)/2 rounded down + (1:n)); MATLAB's 'same'
% would start one sample later for even m.
first = floor((m - 1) / 2);
y = full(first + (1:numel(x)));
if isrow(x)
    y = y.';
end
end

function d = read_one_dipole(path, sim, trial, layer)
% One dipole [n_times x 1], read from the file: the MATLAB-side start and
% count are in reversed order [time, trial, sim].
if nargin < 4
    layer = 'agg';
end
d = h5read(path, ['/dipole/' layer], [1 trial sim], [Inf 1 1]);
d = d(:);
end

function v = read_one_recording(path, group, name, sim, trial)
% One simulation and trial of /group/name, [n_traces x n_times]: the
% MATLAB-side start and count are in reversed order [time, trace, trial, sim].
v = h5read(path, ['/' group '/' name], [1 1 trial sim], [Inf Inf 1 1]);
v = v.';
end

function c = strings_of(v)
% A string dataset as a column cell array of char.
if ischar(v)
    v = cellstr(v);
elseif isa(v, 'string')
    v = cellstr(v);
end
c = cellfun(@to_char, v(:), 'UniformOutput', false);
end

function [t, g] = spikes_of(sp, n_trials, sim, trial)
% Spikes of (sim, trial), 1-based; CSR entry e = (sim-1)*n_trials + trial
% (1-based) spans 0-based [offsets(e), offsets(e+1)).
if ~sp.valid
    error('load_sweep:spikes', 'the spike CSR of this file is not built (interrupted run)');
end
e = (sim - 1) * n_trials + trial;
a = double(sp.offsets(e));
b = double(sp.offsets(e + 1));
t = sp.times(a + 1:b);
g = sp.gids(a + 1:b);
end

function name = cell_type_of(cells, gid)
k = find(gid >= cells.start & gid < cells.stop, 1);
if isempty(k)
    name = '';
else
    name = cells.names{k};
end
end

function names = group_datasets(info, group)
% Short names of the datasets directly in `group` ('/params').
names = {};
for k = 1:numel(info.Groups)
    if strcmp(info.Groups(k).Name, group)
        for j = 1:numel(info.Groups(k).Datasets)
            names{end + 1} = info.Groups(k).Datasets(j).Name; %#ok<AGROW>
        end
    end
end
end

function paths = dataset_set(g, prefix)
% Full paths of every dataset and group below h5info structure g.
paths = {};
for j = 1:numel(g.Datasets)
    paths{end + 1} = [prefix '/' g.Datasets(j).Name]; %#ok<AGROW>
end
for k = 1:numel(g.Groups)
    paths{end + 1} = g.Groups(k).Name; %#ok<AGROW>
    paths = [paths, dataset_set(g.Groups(k), g.Groups(k).Name)]; %#ok<AGROW>
end
end

function v = get_field(st, name, default)
if isfield(st, name)
    v = st.(name);
else
    v = default;
end
end

function c = to_char(v)
% Strings from h5read/h5readatt: char, cellstr (variable-length strings in
% older releases), string (newer), or uint8 (fixed length, some releases).
if iscell(v)
    if isempty(v)
        c = '';
    else
        c = to_char(v{1});
    end
elseif isa(v, 'string')
    c = char(v);
elseif isnumeric(v)
    c = char(v(:).');
else
    c = v;
end
if ischar(c)
    if size(c, 2) == 1 && size(c, 1) > 1
        c = c.';            % a column char from some readers
    end
    c(c == char(0)) = [];   % NUL padding of fixed-length strings
end
end
