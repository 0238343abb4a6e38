import type { RuleCategory, ScanRule, SkillSeverity } from './rule.js'
import type { LineTest } from './matchers.js'
import { all, any, FETCH_TO_INTERPRETER, isDnsName, isRemoteIpv4, PIPE_TO_SHELL, seq, SHELL_WORD, toTest, verbAimedAt } from './matchers.js'
import { eachInvocation, firstOperand, invocations, shortFlags } from './shell-words.js'

/*
 * The 40 built-in ClawHavoc rules (RUNTIME.md table), in the seed's order. Patterns are ours.
 * See matchers.ts for the constraints every pattern obeys so that no line can make a rule slow;
 * test/runtime/skills/redos.test.ts checks them against long hostile lines.
 */

function rule(name: string, severity: SkillSeverity, category: RuleCategory, message: string, triggers: readonly string[], t: RegExp | LineTest): ScanRule {
  const fn = toTest(t)
  return { name, severity, category, message, triggers, test: (line) => fn(line) }
}

/** Invocations of `names` whose argument list satisfies `pred`. */
function command(names: readonly string[], pred: (args: readonly string[]) => boolean, strict = false): LineTest {
  return (line) => {
    for (const inv of eachInvocation(line, names, strict)) if (pred(inv.args)) return true
    return false
  }
}

const operands = (args: readonly string[]): string[] => args.filter((a) => !a.startsWith('-'))
const hasShortFlag = (args: readonly string[], letters: string): boolean => args.some((a) => [...shortFlags(a)].some((c) => letters.includes(c)))

/** The value of the short option `letter` (attached, as in `-qO-`, or the next word). */
function optionValue(args: readonly string[], letter: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string
    const flags = shortFlags(a)
    const at = flags.indexOf(letter)
    if (at < 0) continue
    const rest = a.slice(1 + at + 1)
    return rest.length > 0 ? rest : (args[i + 1] ?? '')
  }
  return undefined
}

const HOME = String.raw`(?:~|\$HOME|\$\{HOME\}|\/root|\/home\/[\w.-]{1,64}|\/Users\/[\w.-]{1,64})`
const WHOLE_DIR_END = String.raw`\/?(?=$|[\s"'\x60;|&)*])`

const MODIFY_VERBS = /\b(?:(?:re|over)?writ(?:e|es|ing|ten)|(?:re|over)?wrote\b|modif(?:y|ies|ied|ying)\b|replac(?:e|es|ed|ing)\b|edit(?:s|ed|ing)?\b)/i
function identityFile(file: string): LineTest {
  const target = new RegExp(String.raw`\b${file}\.md\b`, 'i')
  return any(
    verbAimedAt(MODIFY_VERBS, target),
    new RegExp(String.raw`(?:>>?|\btee(?:\s+-a)?\s)\s*["']?[^\s"'<>|;&]*\b${file}\.md\b`, 'i'),
    seq(/\bsed\s+(?:-[A-Za-z]*i|--in-place)/, target),
    seq(/\bopen\s*\(/, target, /["'\x60]\s*,\s*(?:mode\s*=\s*)?["'][rb]?[wax+]/),
    seq(target, /\.(?:write_text|write_bytes|writeFile(?:Sync)?)\s*\(|["'\x60]\s*,\s*(?:mode\s*=\s*)?["'][wax]/),
    command(['cp', 'mv', 'install'], (args) => target.test(operands(args).at(-1) ?? '')),
  )
}

const FETCH = /\b(?:fetch|curl|wget|urlopen|urllib|requests\.(?:get|post)|https?\.get|axios|XMLHttpRequest|Invoke-WebRequest|iwr|DownloadString|WebClient|httpx|aiohttp)\b/i
// eval/exec in shell, Python, JS; PowerShell's iex/Invoke-Expression; JS `new Function(…)`.
const EVAL_CALL = /\b(?:eval|exec|iex|invoke-expression)\s*[(\x60"'$]|\bnew\s+Function\s*\(/i
const EVAL_USE = /\b(?:eval|exec|iex|invoke-expression)\s*[(\x60"'$)]|\|\s*(?:iex|invoke-expression)\b|\bnew\s+Function\s*\(/i

function rmAbsolute(args: readonly string[]): boolean {
  const recursive = hasShortFlag(args, 'rR') || args.includes('--recursive')
  return recursive && operands(args).some((a) => a.startsWith('/'))
}

function worldWritable(mode: string): boolean {
  if (/^0*[0-7]{3,4}$/.test(mode)) return '2367'.includes(mode.at(-1) as string)
  return mode.split(',').some((m) => {
    const p = /^([ugoa]*)[+=]([rwxXst]*)$/.exec(m)
    return p !== null && /[oa]/.test(p[1] as string) && (p[2] as string).includes('w')
  })
}

function setsSpecialBit(mode: string): boolean {
  if (/^0?[2-7][0-7]{3}$/.test(mode)) return true
  return mode.split(',').some((m) => /^[ugoa]*[+=][rwxXt]*s/.test(m))
}

function addsExecute(mode: string): boolean {
  return mode.split(',').some((m) => /^[ugoa]*\+[rwXst]*x/.test(m))
}

function netcatShell(args: readonly string[]): boolean {
  const execFlag = hasShortFlag(args, 'ec') || args.some((a) => a === '--exec' || a === '--sh-exec' || a.startsWith('--exec=') || a.startsWith('--sh-exec='))
  const shell = args.some((a) => SHELL_WORD.test(a.replace(/^-[ec]/, '').replace(/^--(?:sh-)?exec=/, '')))
  return execFlag && shell
}

function netcatOutbound(args: readonly string[]): boolean {
  if (hasShortFlag(args, 'l') || args.includes('--listen')) return false
  return operands(args).some((a) => isDnsName(a) || isRemoteIpv4(a))
}

function curlSavesFile(args: readonly string[]): boolean {
  if (args.some((a) => a === '--remote-name' || a === '--remote-name-all' || a.startsWith('--output=') && a !== '--output=-')) return true
  const long = args.indexOf('--output')
  if (long >= 0 && args[long + 1] !== '-') return true
  const o = optionValue(args, 'o')
  return (o !== undefined && o !== '-') || hasShortFlag(args, 'O')
}

function wgetSavesFile(args: readonly string[]): boolean {
  if (args.some((a) => a.startsWith('--output-document=') && a !== '--output-document=-')) return true
  const long = args.indexOf('--output-document')
  if (long >= 0 && args[long + 1] !== '-') return true
  const o = optionValue(args, 'O')
  return o !== undefined && o !== '-'
}

/** dig/nslookup/host whose arguments (up to the next `;`, `|` or `&`) interpolate `$…` or a backtick. */
function dnsInterpolation(line: string): boolean {
  return invocations(line, ['dig', 'nslookup', 'host'], true).some((inv) => {
    const start = inv.index + inv.name.length
    const rest = line.slice(start, start + 512)
    const end = rest.search(/[;|&\n]/)
    return /[$\x60]/.test(end < 0 ? rest : rest.slice(0, end))
  })
}

function symlinkToSystemDir(args: readonly string[]): boolean {
  if (!hasShortFlag(args, 's') && !args.includes('--symbolic')) return false
  const target = firstOperand(args)
  return target !== undefined && /^\/(?:etc|home|root|var|tmp)(?:\/|$)/.test(target)
}

/** Tools that read or copy a file's contents (not `ls`, `stat`, `chmod`, which only look at it). */
const READERS = ['cat', 'tac', 'head', 'tail', 'less', 'more', 'cp', 'scp', 'rsync', 'install', 'tar', 'zip', 'gzip', 'bzip2', 'xz', '7z', 'base64', 'xxd', 'od', 'hexdump', 'dd', 'grep', 'egrep', 'fgrep', 'awk', 'gawk', 'sed', 'strings', 'nl', 'sort', 'uniq', 'cut', 'paste', 'tee', 'vi', 'vim', 'nano', 'view', 'openssl', 'curl', 'nc', 'ncat', 'socat', 'unshadow', 'john']
const SHADOW_PATH = /^\/etc\/g?shadow-?$/

/**
 * credential-etc-shadow: /etc/shadow given to any tool that reads or copies it (cp, scp, tar,
 * base64, curl -F …, not only cat/head/tail/less/more), redirected into a command, or opened by
 * code: reading the password hashes is the harm, whichever tool does it. `ls -l /etc/shadow` and
 * prose that mentions the file are not flagged.
 */
function shadowRule(): ScanRule {
  const readers = command(READERS, (args) => args.some((a) => SHADOW_PATH.test(a.replace(/^[\w-]*[=@]/, ''))))
  const code = /<\s*\/etc\/g?shadow\b|\b(?:open|readFile(?:Sync)?|read_text|File\.read|fopen|file_get_contents)\s*\(\s*["'\x60]\/etc\/g?shadow\b/
  return { name: 'credential-etc-shadow', severity: 'high', category: 'credential-harvesting', message: 'reading /etc/shadow', triggers: ['shadow'], test: (line) => readers(line) || code.test(line) }
}

/** The 40 built-in rules, in the order of RUNTIME.md's table. */
export const BUILTIN_RULES: readonly ScanRule[] = [
  // Original defences (10).
  rule('pipe-to-shell', 'critical', 'original-defences', 'curl download piped into a shell', ['curl'], any(seq(/\bcurl\b/, PIPE_TO_SHELL), (line) => FETCH_TO_INTERPRETER.test(line) && /\bcurl\b/i.test(line))),
  rule('wget-pipe-to-shell', 'critical', 'original-defences', 'wget download piped into a shell', ['wget'], any(seq(/\bwget\b/, PIPE_TO_SHELL), (line) => FETCH_TO_INTERPRETER.test(line) && /\bwget\b/i.test(line))),
  rule('env-file-reference', 'warning', 'original-defences', 'reference to a .env file (secrets)', ['.env'], /(?:^|[^\w.$])\.env\b/),
  rule('soul-md-modification', 'critical', 'original-defences', 'attempt to modify SOUL.md (identity tampering)', ['soul.md'], identityFile('SOUL')),
  rule('memory-md-modification', 'critical', 'original-defences', 'attempt to modify MEMORY.md (memory tampering)', ['memory.md'], identityFile('MEMORY')),
  rule('eval-with-fetch', 'critical', 'original-defences', 'eval/exec of content fetched from the network', ['eval', 'exec', 'iex', 'invoke-expression', 'function'], seq(EVAL_CALL, FETCH)),
  rule('fetch-with-eval', 'critical', 'original-defences', 'network fetch whose result is passed to eval/exec', ['eval', 'exec', 'iex', 'invoke-expression', 'function'], seq(FETCH, EVAL_USE)),
  rule('base64-decode-exec', 'critical', 'original-defences', 'base64-decoded content piped into a shell', ['base64'], any(
    seq(/\bbase64\b/, /\s(?:-[a-ce-zA-CE-Z]*[dD]|--decode)/, PIPE_TO_SHELL),
    // eval "$(… | base64 --decode)": the decoded text is run without a pipe to a shell.
    seq(/\beval\b/, /\bbase64\b/, /\s(?:-[a-ce-zA-CE-Z]*[dD]|--decode)/),
  )),
  rule('rm-rf-pattern', 'critical', 'original-defences', 'recursive rm of an absolute path', ['rm'], command(['rm'], rmAbsolute)),
  rule('chmod-777', 'warning', 'original-defences', 'world-writable permission mode', ['chmod'], any(
    command(['chmod'], (args) => operands(args).some(worldWritable)),
    /\bchmod(?:Sync)?\s*\([^)]{0,200}?(?:\b0o?[0-7]?[0-7][0-7][2367]\b|["'][0-7]?[0-7][0-7][2367]["'])/,
  )),
  // Reverse shells (7).
  rule('reverse-shell-bash', 'critical', 'reverse-shells', 'interactive shell redirected to /dev/tcp, or awk over /inet/tcp (reverse shell)', ['/dev/', '/inet/'], any(
    seq(/\b(?:ba|z|k)?sh\s+-i\b/, /\/dev\/(?:tcp|udp)\//),
    // gawk's network files: a command loop over /inet/tcp is a shell served to a remote host.
    all(/\/inet[46]?\/(?:tcp|udp)\/\d{1,5}\/[\w.:-]{1,253}\/\d{1,5}/, /\|&|getline/),
  )),
  rule('reverse-shell-nc', 'critical', 'reverse-shells', 'netcat executing a shell (reverse shell)', ['nc', 'netcat'], command(['nc', 'netcat'], netcatShell)),
  rule('reverse-shell-ncat', 'critical', 'reverse-shells', 'ncat or socat executing a shell (reverse shell)', ['ncat', 'socat'], any(
    command(['ncat'], netcatShell),
    // socat joining a network address to a process: TCP:host:port EXEC:/SYSTEM:.
    all(/\bsocat\b/i, /\b(?:exec|system):/i, /\b(?:tcp|udp|openssl|sctp)[46]?(?:-connect)?:/i),
  )),
  rule('reverse-shell-mkfifo', 'critical', 'reverse-shells', 'named pipe combined with netcat (reverse shell)', ['mkfifo', 'mknod'], all(
    /\bmkfifo\b|\bmknod\b[^;|&]{0,200}?\sp\b/,
    (line) => invocations(line, ['nc', 'ncat', 'netcat', 'telnet']).length > 0,
  )),
  rule('reverse-shell-python', 'critical', 'reverse-shells', 'Python socket wired to a process (reverse shell)', ['socket', 'dup2'], any(
    all(/\bsocket\b/, /\.connect\s*\(/, /\bsubprocess\b|\bpty\.spawn\b|\bos\.system\b|\bos\.popen\b/),
    /\bdup2\s*\(\s*[\w.]{1,64}\.fileno\s*\(/,
  )),
  rule('reverse-shell-perl', 'critical', 'reverse-shells', 'Perl or PHP socket with exec of a shell (reverse shell)', ['socket', 'fsockopen'], any(
    all(
      /\bperl\b|IO::Socket|\buse\s+Socket\b/,
      /\bsocket\s*\(|IO::Socket|\buse\s+Socket\b|-MSocket\b/,
      /\b(?:exec|system)\s*(?:\(\s*)?["']?(?:\/bin\/)?(?:ba|z|da)?sh\b/,
    ),
    all(/\b(?:fsockopen|stream_socket_client|socket_connect)\s*\(/i, /\b(?:exec|system|shell_exec|passthru|proc_open|popen)\s*\(/i),
  )),
  rule('reverse-shell-ruby', 'critical', 'reverse-shells', 'Ruby TCPSocket with exec of a shell (reverse shell)', ['tcpsocket'], all(
    /\bTCPSocket\b/,
    any(/\b(?:exec|system|spawn)\b[^;]{0,100}?(?:\/bin\/|\b)(?:ba|z|da)?sh\b/, /\bIO\.popen\s*\(/),
  )),
  // Credential harvesting (6).
  rule('credential-ssh-keys', 'high', 'credential-harvesting', 'access to SSH private keys or authorized_keys', ['.ssh'], new RegExp(
    String.raw`\.ssh\/(?:id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?(?:(?![\w.-])|\.(?!pub\b))|authorized_keys2?\b|identity(?![\w.-]))|${HOME}\/\.ssh${WHOLE_DIR_END}`,
  )),
  rule('credential-aws', 'high', 'credential-harvesting', 'access to AWS credentials or config', ['.aws'], new RegExp(String.raw`\.aws\/(?:credentials|config)\b|${HOME}\/\.aws${WHOLE_DIR_END}`)),
  rule('credential-cloud-config', 'high', 'credential-harvesting', 'access to gcloud, kube or Azure credentials', ['gcloud', 'application_default_credentials', '.kube', '.azure'], new RegExp(
    String.raw`\.config\/gcloud\b|\bapplication_default_credentials\.json\b|\.kube\/config\b|${HOME}\/\.(?:azure|kube)${WHOLE_DIR_END}|\.azure\/(?:accessTokens\.json|msal_token_cache|azureProfile\.json|credentials)`,
  )),
  rule('credential-browser-cookies', 'high', 'credential-harvesting', 'access to browser cookie or saved-login stores', ['cookies', 'login data', 'web data', 'local state', 'logins.json', 'key3.db', 'key4.db', 'browser_cookie3'], /[/\\](?:Cookies|Login Data|Web Data|Local State)(?=$|["'\s;|&)`,])|\b(?:cookies\.sqlite|logins\.json|key[34]\.db|Cookies\.binarycookies|browser_cookie3)\b/),
  rule('credential-keychain', 'high', 'credential-harvesting', 'reading passwords from the OS keychain or kernel keyring', ['security', 'keyctl', 'secret-tool'], /\bsecurity\s+(?:find-[a-z]+-password|dump-keychain)\b|\bkeyctl\s+(?:read|print|pipe)\b|\bsecret-tool\s+lookup\b/),
  shadowRule(),
  // Network exfiltration (3).
  rule('exfil-dns-tunnel', 'high', 'network-exfiltration', 'DNS lookup with interpolated data (DNS tunnelling)', ['dig', 'nslookup', 'host'], dnsInterpolation),
  rule('exfil-dev-tcp', 'high', 'network-exfiltration', 'use of /dev/tcp or /dev/udp', ['/dev/'], /\/dev\/(?:tcp|udp)\b/),
  rule('exfil-nc-outbound', 'high', 'network-exfiltration', 'netcat connecting out to a remote host', ['nc', 'netcat'], command(['nc', 'ncat', 'netcat'], netcatOutbound)),
  // Process injection (4).
  rule('injection-ptrace', 'critical', 'process-injection', 'ptrace attach or memory poke', ['ptrace'], /\bPTRACE_(?:ATTACH|SEIZE|POKE(?:TEXT|DATA|USER))\b|\bptrace\s*\(\s*(?:16|4|5|6|0x4206)\s*,|\bptrace\.(?:attach|poke\w{0,8})\b/),
  rule('injection-ld-preload', 'critical', 'process-injection', 'setting LD_PRELOAD (library injection)', ['ld_preload', 'ld.so.preload'], /(?<![\w${])LD_PRELOAD\s*=(?!=)|\b(?:setenv|putenv)\s*\(\s*["']LD_PRELOAD|\benviron\s*\[\s*["']LD_PRELOAD["']\s*\]\s*=(?!=)|\/etc\/ld\.so\.preload\b/),
  rule('injection-proc-mem', 'critical', 'process-injection', 'direct access to a process memory file', ['/proc/'], /\/proc\/(?:\d+|self|thread-self|\$\{?\w+\}?|<\w+>|\{\w*\}|%d|%s)\/mem\b/),
  rule('injection-gdb-attach', 'critical', 'process-injection', 'gdb attaching to a running process', ['gdb'], command(['gdb'], (args) => args.some((a) => a === '-p' || a === '--pid' || a.startsWith('--pid=') || /^-p\d/.test(a) || a === 'attach'))),
  // Privilege escalation (5).
  rule('privesc-sudo', 'high', 'privilege-escalation', 'sudo invocation', ['sudo'], command(['sudo'], () => true, true)),
  rule('privesc-setuid', 'high', 'privilege-escalation', 'chmod setting the setuid or setgid bit', ['chmod'], any(
    command(['chmod'], (args) => operands(args).some(setsSpecialBit)),
    /\bchmod\w{0,8}\s*\([^)]{0,200}?(?:\b0o?[2-7][0-7]{3}\b|\bS_IS[UG]ID\b)/,
  )),
  rule('privesc-setcap', 'high', 'privilege-escalation', 'setcap (granting file capabilities)', ['setcap'], command(['setcap'], () => true, true)),
  rule('privesc-chown-root', 'high', 'privilege-escalation', 'chown to root or uid 0', ['chown'], any(
    command(['chown'], (args) => /^(?:root|0)(?:[:.]|$)/.test(firstOperand(args) ?? '')),
    /\bl?chown(?:Sync)?\s*\([^,()]{1,200},\s*0\s*[,)]/,
  )),
  rule('privesc-nsenter', 'high', 'privilege-escalation', 'namespace manipulation (nsenter/unshare)', ['nsenter', 'unshare'], any(command(['nsenter', 'unshare'], () => true, true), /\bunshare\s*\(/)),
  // Symlink and path traversal (2).
  rule('symlink-escape', 'medium', 'symlink-path-traversal', 'symbolic link to a system directory', ['ln', 'symlink'], any(
    command(['ln'], symlinkToSystemDir),
    /\b(?:symlink|symlinkSync)\s*\(\s*["'\x60]\/(?:etc|home|root|var|tmp)[/"'\x60]/,
  )),
  rule('path-traversal-deep', 'medium', 'symlink-path-traversal', 'path traversal of three or more ../ levels', ['..'], /(?:\.\.(?:\/|\\|%2[fF]|%5[cC])){3}/),
  // Downloader chains (3).
  rule('downloader-curl-save', 'medium', 'downloader-chains', 'curl saving a download to a file', ['curl'], command(['curl'], curlSavesFile)),
  rule('downloader-wget-save', 'medium', 'downloader-chains', 'wget saving a download to a named file', ['wget'], command(['wget'], wgetSavesFile)),
  rule('downloader-chmod-exec', 'medium', 'downloader-chains', 'chmod +x (download-and-execute chain)', ['chmod'], command(['chmod'], (args) => operands(args).some(addsExecute))),
]
