package agent

// The term lists that the ranking rules match against every signal's text,
// indexed once for text.first and text.groups. The lists themselves stay
// where their rules are.
var (
	noOpIndex       = newTerms(noOpTerms...)
	abortIndex      = newTerms(abortTerms...)
	autoscalerIndex = newTerms(autoscalerTerms...)
	revertIndex     = newTerms(revertTerms...)
	// sameReleaseIndex says that a deploy installed what already ran;
	// internalIndex that a flag targets only internal users.
	sameReleaseIndex = newTerms(sameRelease...)
	internalIndex    = newTerms(internalTerms...)
	infraIndex       = newTerms(infraTerms...)
	// infraKindIndex and symptomKindIndex find infraKinds and symptomKinds
	// within a normalised kind (terms.within).
	infraKindIndex   = newTerms(infraKinds...)
	symptomKindIndex = newTerms(symptomKinds...)
	// terminationIndex says that a container or a process ended badly.
	terminationIndex = newTerms(terminationTerms...)
	// scopeIndex[k] says that a change touched only scopes[k].
	scopeIndex = func() []*terms {
		out := make([]*terms, len(scopes))
		for k, s := range scopes {
			out[k] = newTerms(scopeTerms(s.terms)...)
		}
		return out
	}()
	// nonProductionIndex's group k says "in staging" for nonProduction[k].
	nonProductionIndex = func() *terms {
		out := make([][]string, len(nonProduction))
		for k, n := range nonProduction {
			out[k] = []string{"in " + n + " ", "to " + n + " ", n + " environment", n + " only "}
		}
		return newTermGroups(out...)
	}()
	// domainSymptoms and domainCauses hold every domain's symptom and
	// cause terms, a group per domain, to find a text's domains in one
	// pass; domainSymptomIndex[d] is domains[d]'s symptoms.
	domainSymptoms, domainCauses, domainSymptomIndex = func() (*terms, *terms, []*terms) {
		if len(domains) >= 63 {
			panic("more than 62 domains: eventInfo.causes needs a bit")
		}
		var symptoms, causes [][]string
		var each []*terms
		for _, d := range domains {
			symptoms, causes = append(symptoms, d.symptoms), append(causes, d.causes)
			each = append(each, newTerms(d.symptoms...))
		}
		return newTermGroups(symptoms...), newTermGroups(causes...), each
	}()
)
