// user_cxx N: C++ methods (overloaded, a constructor), a namespace function
// and a template, plus exceptions (libstdc++'s throw/catch SDT markers), for
// the user_cxx VM test (vm_tier.rs builds .cc files with c++).
// cc: -O0 -g -o user_cxx
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace shapes {

class Counter {
public:
	explicit Counter(int start) : count(start), step(3) {}
	int bump(int by);
	int bump();
	long total() const { return count * 10L; }

private:
	int count;
	int step;
};

__attribute__((noinline)) int Counter::bump(int by)
{
	count += by;
	return count;
}

__attribute__((noinline)) int Counter::bump()
{
	return bump(step);
}

__attribute__((noinline)) int area(int w, int h)
{
	return w * h;
}

template <typename T> __attribute__((noinline)) T twice(T v)
{
	return v + v;
}

} // namespace shapes

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	shapes::Counter c(100);
	long sum = 0;

	for (int i = 0; i < n; i++) {
		sum += c.bump(i + 1);
		sum += c.bump();
		sum += shapes::area(i, 2);
		sum += shapes::twice(i);
		sum += (long)shapes::twice(1.5);
		sum += c.total();
		try {
			if (i % 2 == 0)
				throw std::runtime_error("even");
		} catch (const std::exception &e) {
			sum++;
		}
	}
	printf("%ld\n", sum);
	return 0;
}
