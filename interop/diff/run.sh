# The differential suite, sourced by ci/interop (it uses its gx, sim, bad,
# run_line bookkeeping and variables). Every line of interop/diff/lines.tsv
# runs in the one guest boot, once per tool, each time on a board restored to
# the line's starting state through dfu-sim's control channel:
#
#   dfu-util         Debian's dfu-util 0.11 (/usr/bin/dfu-util)
#   dfu-flash        dfu-flash (libusb), the guest's copy
#   dfu-flash-as-dfu-util
#                    a symlink named dfu-util to dfu-flash, run by its path;
#                    only when `dfu-flash --version` says "dfu-util
#                    personality: yes" (or DIFF_COMPAT=1; DIFF_COMPAT=0 never)
#
# and the suite compares, for each line, every tool against dfu-util:
#
#   exit      the exit status
#   files     every file the line wrote (name, size, MD5)
#   flash     the CRC-32 of the boards' main flash afterwards
#   ob        the boards' option-byte flash afterwards
#   runs      what the boards run afterwards (ROM, application, ...), whether
#             they are on the bus, and PEMPTY
#   stdout    (dfu-flash-as-dfu-util only) the lines of stdout that scripts
#             read, the patterns of interop/diff/stdout-lines (filtered in the
#             guest)
#
# A difference passes only when one of the ids in the line's diffs column
# names a row of docs/dfu-util-differences.md whose "suite allows" column
# allows it: `exit:A>B` (dfu-util exits A, dfu-flash B; A may be a/b),
# `exit:*`, `files`, `flash`, `ob`, `runs`, `stdout`. The table is read from
# that document, so the documentation and the suite cannot disagree.
#
# Boards: main dfu-sim boards 11-13 (one per tool: L412, ROM DFU
# bootloader), and the second dfu-sim's boards 1-3 (L412 running
# firmware.bin with a DFU run-time interface), which the guest reaches on its
# port 3241. One board per tool keeps a tool's run from seeing another's
# board; lines run one after the other (one USB bus, and a line without -d
# or -S must see only its own board).

diff_tools_all=(dfu-util dfu-flash dfu-flash-as-dfu-util)
declare -A diff_bin=(
	[dfu-util]=/usr/bin/dfu-util
	[dfu-flash]=/usr/local/bin/dfu-flash
	[dfu-flash-as-dfu-util]=/usr/local/lib/dfu-compat/dfu-util
)
declare -A diff_main_board=([dfu-util]=1-11 [dfu-flash]=1-12 [dfu-flash-as-dfu-util]=1-13)
declare -A diff_rt_board=([dfu-util]=1-1 [dfu-flash]=1-2 [dfu-flash-as-dfu-util]=1-3)
diff_nmain=13 # main dfu-sim boards the suite needs (the scenarios use 1-10)
diff_nrt=3

# ---- before the guest boots: files into the payload ----

# diff_prepare DFUSIM PAYLOAD: the suite's files, and the factory option
# bytes and flash size of the chip (read from a throwaway dfu-sim).
diff_prepare() {
	local dfusim=$1 payload=$2 dir=$run/diff tmp q
	mkdir -p "$dir" "$payload/diff/files" "$payload/usr/local/lib/dfu-compat"
	ln -s /usr/local/bin/dfu-flash "$payload/usr/local/lib/dfu-compat/dfu-util"
	grep -v '^#' interop/diff/lines.tsv | grep . >"$payload/diff/lines.tsv"
	grep -v '^#' interop/diff/stdout-lines | grep . >"$payload/diff/stdout-lines"
	cp "$run/payload/work/firmware.bin" "$run/payload/work/fw2.dfu" "$payload/diff/files/"
	make_image "$payload/diff/files/small.bin" 4242 2048
	cp "$run/payload/work/firmware.bin" "$payload/diff/files/fw-df11.bin"
	cp "$run/payload/work/firmware.bin" "$payload/diff/files/fw-other.bin"
	dfu-suffix -v 0483 -p df11 -a "$payload/diff/files/fw-df11.bin" >"$dir/suffix.log" 2>&1 &&
		dfu-suffix -v 1234 -p 5678 -a "$payload/diff/files/fw-other.bin" >>"$dir/suffix.log" 2>&1 ||
		die "dfu-suffix failed: $(cat "$dir/suffix.log")"
	tmp=$dir/probe.sock
	"$dfusim" --count 1 --port 0 --ctl "$tmp" --log /dev/null >"$dir/probe.out" 2>&1 &
	local probe=$!
	for _ in $(seq 50); do grep -q serving "$dir/probe.out" && break; sleep 0.1; done
	q=$("$dfusim" ctl --ctl "$tmp" query 1-1)
	"$dfusim" ctl --ctl "$tmp" quit >/dev/null 2>&1
	wait "$probe" 2>/dev/null
	diff_ob=$(sed -n 's/^ob //p' <<<"$q")
	diff_flash_size=$(sed -n 's/^flash-size //p' <<<"$q")
	[ -n "$diff_ob" ] && [ -n "$diff_flash_size" ] || die "cannot read the factory option bytes from dfu-sim: $q"
	printf '%s' "$diff_ob" | sed 's/../\\x&/g' | xargs -0 printf '%b' >"$payload/diff/files/ob-default.bin"
	[ "$(stat -c %s "$payload/diff/files/ob-default.bin")" = $((${#diff_ob} / 2)) ] ||
		die "ob-default.bin has the wrong size"
	head -c "$diff_flash_size" /dev/zero | tr '\0' '\377' >"$dir/virgin.flash"
	{ cat "$run/payload/work/firmware.bin"; head -c $((diff_flash_size - 16384)) /dev/zero | tr '\0' '\377'; } >"$dir/firmware.flash"
}

# ---- the deliberate differences, from the documentation ----

declare -A diff_allows=()
diff_read_doc() {
	local doc=docs/dfu-util-differences.md id allow
	[ -f "$doc" ] || die "$doc is missing"
	while IFS=$'\t' read -r id allow; do
		diff_allows[$id]=$allow
	done < <(awk -F '|' '
		/^\| *`?[a-z][a-z0-9-]*`? *\|/ && NF >= 8 {
			id = $2; allow = $(NF - 1)
			gsub(/[ `]/, "", id); gsub(/`/, "", allow); gsub(/^ +| +$/, "", allow)
			if (id != "id") print id "\t" allow
		}' "$doc")
	[ ${#diff_allows[@]} -gt 0 ] || die "$doc has no rows in its table"
}

# ---- boards ----

sim2() { "$dfusim" ctl --ctl "$run/sim2.sock" "$@"; }

# diff_restore CTL DEV STATE: the board as the state describes it.
diff_restore() {
	local ctl=$1 dev=$2 state=$3
	case "$state" in
	virgin)
		$ctl preload "$dev" "$run/diff/virgin.flash" && $ctl ob-write "$dev" "$diff_ob" &&
			$ctl boot0 "$dev" 0 && $ctl power-cycle "$dev" ;;
	flashed)
		$ctl preload "$dev" "$run/diff/firmware.flash" && $ctl ob-write "$dev" "$diff_ob" &&
			$ctl boot0 "$dev" 1 && $ctl power-cycle "$dev" && $ctl boot0 "$dev" 0 ;;
	rt)
		$ctl preload "$dev" "$run/diff/firmware.flash" && $ctl ob-write "$dev" "$diff_ob" &&
			$ctl boot0 "$dev" 0 && $ctl power-cycle "$dev" ;;
	esac >/dev/null
}

# The facts compared after a run, one "aspect value" line each.
diff_board_facts() { # ctl dev label
	local q
	q=$($1 query "$2") || return 1
	echo "flash $3 $($1 crc "$2")"
	echo "ob $3 $(sed -n 's/^ob //p' <<<"$q")"
	echo "runs $3 $(sed -n 's/^runs //p' <<<"$q") on-bus $(sed -n 's/^on-bus //p' <<<"$q") pempty $(sed -n 's/^pempty //p' <<<"$q")"
}

# The boards of one run settle (a leave or reset ends after the tool does):
# the facts, read until two readings 0.2 s apart agree (at most 5 s).
diff_settled_facts() { # tool state
	local a b n=0
	a=$(diff_facts_now "$@")
	while [ $n -lt 25 ]; do
		sleep 0.2
		b=$(diff_facts_now "$@")
		[ "$a" = "$b" ] && break
		a=$b
		n=$((n + 1))
	done
	printf '%s\n' "$b"
}
diff_facts_now() { # tool state
	case "$2" in
	none) ;;
	rt) diff_board_facts sim2 "${diff_rt_board[$1]}" rt ;;
	rt+rom)
		diff_board_facts sim2 "${diff_rt_board[$1]}" rt
		diff_board_facts sim "${diff_main_board[$1]}" dfu ;;
	*) diff_board_facts sim "${diff_main_board[$1]}" dfu ;;
	esac
}

# ---- one line ----

# diff_restore_for TOOL ID STATE: TOOL's boards in the line's starting
# state; their guest names (PORT:BUSID:VID:PID) in diff_boards_TOOL.
diff_restore_for() {
	local tool=$1 id=$2 state=$3 main=${diff_main_board[$1]} rt=${diff_rt_board[$1]} b=()
	case "$state" in
	none) ;;
	virgin | flashed)
		diff_restore sim "$main" "$state" || bad "restoring board $main failed"
		b=("3240:$main:0483:df11") ;;
	rt)
		diff_restore sim2 "$rt" rt || bad "restoring run-time board $rt failed"
		b=("3241:$rt:0483:df12") ;;
	rt+rom)
		diff_restore sim2 "$rt" rt || bad "restoring run-time board $rt failed"
		diff_restore sim "$main" virgin || bad "restoring board $main failed"
		b=("3241:$rt:0483:df12" "3240:$main:0483:df11") ;;
	*) bad "line $id: unknown board state \"$state\"" ;;
	esac
	diff_boards[$tool]=${b[*]}
}
declare -A diff_boards=()

# diff_one TOOL ID: run the line with TOOL in the guest; the guest's report
# lands in $run/diff/ID.TOOL (the boards' facts are added by diff_line).
diff_one() {
	local tool=$1 id=$2
	# shellcheck disable=SC2086 # the board list is words
	gx "diff-$id-$tool" 120 diffrun "$id" "$tool" "${diff_bin[$tool]}" ${diff_boards[$tool]}
	if [ "$grc" != 0 ]; then
		bad "$tool: the guest could not run the line (status $grc): $(tail -n 3 "$run/steps/diff-$id-$tool.out" | tr '\n' ' ')"
		return
	fi
	cp "$run/steps/diff-$id-$tool.out" "$run/diff/$id.$tool"
}

# The value of ASPECT in a result file, one line per item, sorted.
diff_aspect() { # file aspect
	case "$2" in
	exit) sed -n 's/^rc //p' "$1" ;;
	files) sed -n 's/^file //p' "$1" | sort ;;
	flash | ob | runs) sed -n "s/^$2 //p" "$1" ;;
	# The banner's first two words: scripts read the version there, and
	# dfu-flash's banner goes on to say what runs.
	# A board's device number and serial differ from tool to tool (each
	# has its own board).
	stdout) sed -n 's/^sk //p' "$1" | sed -E -e 's/^(dfu-util [^ ]+) .*/\1/' \
		-e 's/devnum=[0-9]+/devnum=N/' -e 's/serial="[^"]*"/serial="S"/' ;;
	esac
}

# Is a difference in ASPECT (dfu-util's value A, the tool's B) allowed by
# one of the line's difference ids? Sets diff_used[id] when so.
declare -A diff_used=()
diff_allowed() { # diffs aspect a b
	local ids=$1 aspect=$2 a=$3 b=$4 id tok from to f
	[ "$ids" = - ] && return 1
	for id in ${ids//,/ }; do
		for tok in ${diff_allows[$id]}; do
			case "$tok" in
			"$aspect") diff_used[$id]=1; return 0 ;;
			exit:\*) [ "$aspect" = exit ] && { diff_used[$id]=1; return 0; } ;;
			exit:*\>*)
				[ "$aspect" = exit ] || continue
				from=${tok#exit:} to=${from#*>} from=${from%>*}
				[ "$b" = "$to" ] || continue
				for f in ${from//\// }; do
					[ "$a" = "$f" ] && { diff_used[$id]=1; return 0; }
				done ;;
			esac
		done
	done
	return 1
}

# diff_compare ID DIFFS TOOL: every aspect of TOOL's run against dfu-util's.
diff_compare() {
	local id=$1 ids=$2 tool=$3 ref=$run/diff/$1.dfu-util res=$run/diff/$1.$3 aspect a b
	local aspects=(exit files flash ob runs)
	[ "$tool" = dfu-flash-as-dfu-util ] && aspects+=(stdout)
	for aspect in "${aspects[@]}"; do
		a=$(diff_aspect "$ref" "$aspect")
		b=$(diff_aspect "$res" "$aspect")
		[ "$a" = "$b" ] && continue
		diff_allowed "$ids" "$aspect" "$a" "$b" && continue
		bad "$tool differs in $aspect: dfu-util $(printf '%s' "$a" | tr '\n' ';' | cut -c1-300), $tool $(printf '%s' "$b" | tr '\n' ';' | cut -c1-300)"
	done
}

# The tools that run line ID: every tool, but dfu-flash-as-dfu-util only on
# the lines of interop/diff/compat-lines (all of them with DIFF_COMPAT_ALL=1).
diff_tools_for() {
	local t out=
	for t in $diff_tools; do
		if [ "$t" = dfu-flash-as-dfu-util ] && [ "${DIFF_COMPAT_ALL:-0}" != 1 ] &&
			! grep -v '^#' interop/diff/compat-lines | grep -qx -- "$1"; then
			continue
		fi
		out+="${out:+ }$t"
	done
	echo "$out"
}

diff_line() { # id state diffs command
	local id=$1 state=$2 ids=$3 cmd=$4 name="diff $1: $4" t0=$SECONDS tool d
	local line_tools
	line_tools=$(diff_tools_for "$id")
	local diff_tools=$line_tools # what the functions below see for this line
	echo "[ RUN      ] $name"
	errs=()
	for d in ${ids//,/ }; do
		[ "$d" = - ] || [ -n "${diff_allows[$d]+set}" ] ||
			bad "the line names difference \"$d\", which docs/dfu-util-differences.md lacks"
	done
	rm -f "$run/diff/$id".*
	# Every tool's boards are restored first; each tool's board facts are
	# read after the last run, so a board that resets after its tool
	# ended has had the other tools' runs to settle.
	for tool in $diff_tools; do diff_restore_for "$tool" "$id" "$state"; done
	for tool in $diff_tools; do
		[ $hung -eq 0 ] && [ ${#errs[@]} -eq 0 ] && diff_one "$tool" "$id"
	done
	[ $hung -ne 0 ] && bad "the guest stopped answering"
	local last=${diff_tools##* }
	for tool in $diff_tools; do
		[ -f "$run/diff/$id.$tool" ] || continue
		if [ "$tool" = "$last" ]; then
			diff_settled_facts "$tool" "$state"
		else
			diff_facts_now "$tool" "$state"
		fi >>"$run/diff/$id.$tool"
	done
	if [ ${#errs[@]} -eq 0 ]; then
		for tool in $diff_tools; do
			[ "$tool" = dfu-util ] || diff_compare "$id" "$ids" "$tool"
		done
	fi
	if [ ${#errs[@]} -eq 0 ]; then
		echo "[       OK ] $name ($((SECONDS - t0)) s)"
		passed+=("$name")
	else
		local e
		for e in "${errs[@]}"; do echo "    $e"; done
		for tool in $diff_tools; do
			[ -f "$run/diff/$id.$tool" ] || continue
			echo "    --- $tool ($run/diff/$id.$tool):"
			grep -E '^(rc|cmd|file) |^so |^se ' "$run/diff/$id.$tool" | tail -n 12 | sed 's/^/    | /'
		done
		echo "[  FAILED  ] $name ($((SECONDS - t0)) s)"
		failed+=("$name")
	fi
}

# ---- the suite ----

diff_main() {
	local t0=$SECONDS id state ids cmd n=0 d
	diff_read_doc
	diff_tools="dfu-util dfu-flash"
	case "${DIFF_COMPAT:-auto}" in
	1) diff_tools+=" dfu-flash-as-dfu-util" ;;
	0) ;;
	*)
		gx diff-compat 30 "${diff_bin[dfu-flash]} --version"
		if [ "$grc" = 0 ] && grep -q 'dfu-util personality: yes' "$run/steps/diff-compat.out"; then
			diff_tools+=" dfu-flash-as-dfu-util"
		fi ;;
	esac
	note "differential suite: tools $diff_tools"
	for id in $(grep -v '^#' interop/diff/compat-lines); do
		cut -f1 interop/diff/lines.tsv | grep -qx -- "$id" ||
			die "interop/diff/compat-lines names $id, which interop/diff/lines.tsv lacks"
	done
	while IFS=$'\t' read -r id state ids cmd; do
		[ -n "$id" ] || continue
		case "$id" in '#'*) continue ;; esac
		if [ -n "${DIFF_LINES:-}" ] && ! grep -qw -- "$id" <<<"$DIFF_LINES"; then continue; fi
		diff_line "$id" "$state" "$ids" "$cmd"
		n=$((n + 1))
	done <interop/diff/lines.tsv
	for d in "${!diff_allows[@]}"; do
		[ -n "${diff_used[$d]:-}" ] || note "difference $d (docs/dfu-util-differences.md) was not seen in this run"
	done
	note "differential suite: $n lines in $((SECONDS - t0)) s"
}
