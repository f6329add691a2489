# SPDX-License-Identifier: GPL-2.0-or-later
# bash completion for cprdump

# PIDs of QEMU processes first (and of any process holding a cpr-exec state
# memfd), then every other PID.
_cprdump_pids()
{
    local p comm qemu=() other=()
    for p in /proc/[0-9]*; do
        p=${p#/proc/}
        read -r comm 2>/dev/null <"/proc/$p/comm" || continue
        if [[ $comm == qemu* ]] ||
            ls -l "/proc/$p/fd" 2>/dev/null | grep -q 'memfd:QEMU_CPR_EXEC_STATE'; then
            qemu+=("$p")
        else
            other+=("$p")
        fi
    done
    compopt -o nosort 2>/dev/null
    COMPREPLY=($(compgen -W "${qemu[*]} ${other[*]}" -- "$1"))
}

_cprdump()
{
    local cur prev words cword
    _init_completion -s || return

    case $prev in
    -p | --pid)
        _cprdump_pids "$cur"
        return
        ;;
    -o | --output)
        COMPREPLY=($(compgen -W 'human json' -- "$cur"))
        return
        ;;
    -m | --mode)
        COMPREPLY=($(compgen -W 'auto exec transfer' -- "$cur"))
        return
        ;;
    -d | --device)
        COMPREPLY=($(compgen -W 'all' -- "$cur"))
        return
        ;;
    -f | --format)
        COMPREPLY=($(compgen -W 'auto cpr-state stream capture libvirt-save' -- "$cur"))
        return
        ;;
    --fd)
        COMPREPLY=($(compgen -W "$(ls /proc/self/fd 2>/dev/null)" -- "$cur"))
        return
        ;;
    --columns)
        # the selectable columns (COLUMN KEY DEFAULT SELECT of --list-columns);
        # after a comma or the leading +, the next one
        local cols prefix=${cur%"${cur##*[,+]}"}
        cols=$("${words[0]}" --list-columns 2>/dev/null | awk 'NR > 1 {
            for (i = 3; i < NF; i++)
                if ($i == "yes" || $i == "no") { if ($(i + 1) == "yes") print $(i - 2); break }
            }' | sort -u)
        COMPREPLY=($(compgen -P "$prefix" -W "$cols" -- "${cur##*[,+]}"))
        compopt -o nospace
        return
        ;;
    --ignore)
        # the volatile list's groups are a good start; any glob is allowed
        return
        ;;
    -s | --save | --stream | --against | --channel)
        _filedir
        return
        ;;
    --proc-snapshot)
        _filedir -d
        return
        ;;
    --qmp)
        COMPREPLY=($(compgen -f -- "$cur"))
        return
        ;;
    --extract-ram)
        _filedir -d
        return
        ;;
    --dump-ram | --find)
        return
        ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W '$(_parse_help "$1")' -- "$cur"))
        [[ ${COMPREPLY-} == *= ]] && compopt -o nospace
        return
    fi
    _filedir
}
complete -F _cprdump cprdump
