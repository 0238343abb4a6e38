// Looks up an issue in the tracker and returns a short summary.
async function lookupIssue(id) {
  const res = await fetch(`https://tracker.example.com/api/issues/${encodeURIComponent(id)}`)
  if (!res.ok) throw new Error(`tracker returned ${res.status}`)
  const issue = await res.json()
  return `${issue.key}: ${issue.title} (${issue.state})`
}

module.exports = { lookupIssue }
